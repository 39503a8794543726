"""Unit mailboxes (docs/architecture.md) with Python's imaplib, a client no one here wrote. Prints one line per step.

Usage:
  imaplib_units.py PORT USER PASSWORD shared   as a delegate: NAMESPACE, LIST the shared namespace,
                                               read Shared/vpubnd/INBOX, MOVE message 1 into the own Archive
  imaplib_units.py PORT USER PASSWORD unit     as `unit*person`: the unit's folders as the session's own
  imaplib_units.py PORT USER PASSWORD list     LIST "" "*" and the shared namespace
  imaplib_units.py PORT USER PASSWORD login    only LOGIN (prints the failure)
"""
import imaplib
import sys

port, user, password, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
imap = imaplib.IMAP4("127.0.0.1", port)
try:
    # RFC 3501 §9: "*" may not appear in an atom, so `unit*person` goes as a quoted string
    # (imaplib quotes only the password).
    typ, data = imap.login(imap._quote(user) if "*" in user else user, password)
except imaplib.IMAP4.error as error:
    print("login failed", error)
    sys.exit(0)
print("login", typ)


def show(step, typ, data):
    print(step, typ)
    for item in data:
        if item is not None:
            print("  " + (item.decode() if isinstance(item, bytes) else repr(item)))


if mode == "shared":
    show("namespace", *imap.namespace())
    show("list", *imap.list('""', '"Shared/*"'))
    show("list %", *imap.list('""', '"Shared/%"'))
    show("myrights", *imap.myrights('"Shared/vpubnd/INBOX"'))
    show("select", *imap.select('"Shared/vpubnd/INBOX"'))
    typ, data = imap.fetch("1", "(FLAGS BODY[])")
    print("fetch", typ, data[0][0].decode())
    print("body", data[0][1].decode().split("\r\n\r\n", 1)[1].split("\r\n")[0])
    show("move", *imap.uid("MOVE", "1", "Archive"))
    show("archive", *imap.status("Archive", "(MESSAGES)"))
elif mode == "unit":
    show("namespace", *imap.namespace())
    show("list", *imap.list())
    show("select", *imap.select("INBOX"))
    typ, data = imap.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    print("fetch", typ, data[0][1].decode().strip())
    show("store", *imap.store("1", "+FLAGS", "(\\Flagged)"))
elif mode == "list":
    show("list", *imap.list())
    show("select", *imap.select('"Shared/vpubnd/INBOX"'))
print("logout", imap.logout()[0])
