"""A Python imaplib session against cantho-mail: STARTTLS, login, list, select, logout.

Usage: imaplib_starttls.py PORT USER PASSWORD. Prints one line per step; exits 1 on any failure.
"""
import imaplib
import ssl
import sys

port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE

imap = imaplib.IMAP4("127.0.0.1", port)
print("capabilities", " ".join(sorted(imap.capabilities)))
imap.starttls(ssl_context=context)
print("tls", " ".join(sorted(imap.capabilities)))
typ, _ = imap.login(user, password)
print("login", typ)
typ, boxes = imap.list()
print("list", typ, *[b.decode() for b in boxes], sep="\n")
typ, data = imap.select("INBOX")
print("select", typ, data[0].decode())
typ, data = imap.create('"Th&AbA- &AREevw-n"')
print("create", typ)
typ, data = imap.status('"Th&AbA- &AREevw-n"', "(MESSAGES UIDNEXT)")
print("status", typ, data[0].decode())
print("logout", imap.logout()[0])
