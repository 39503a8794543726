"""A full session with Python's imaplib (a client no one here wrote), run by imaplib.test.ts.

Usage: imaplib_session.py PORT USER PASSWORD. INBOX holds three messages delivered by swaks:
1 "Giấy mời họp" (body names Nguyễn Văn Ân), 2 "Báo cáo tháng 11", 3 "Lịch công tác".
Prints one JSON object with what each step answered; the test asserts it exactly. imaplib raises
on any NO/BAD, which ends the script with a traceback and exit code 1.
"""
import imaplib
import json
import re
import ssl
import sys

port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
out = {}


def text(value):
    return value.decode() if isinstance(value, bytes) else value


def flags_of(line):
    """The FLAGS list of a FETCH response line, sorted: the order within it is the server's choice."""
    match = re.search(rb"FLAGS \(([^)]*)\)", line)
    return sorted(match.group(1).decode().split()) if match else None


# Certificate verification off: the server's pair is self-signed on first start (README).
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE

imap = imaplib.IMAP4("127.0.0.1", port)
out["before_tls"] = sorted(c for c in imap.capabilities if c in ("STARTTLS", "LOGINDISABLED", "AUTH=PLAIN"))
imap.starttls(ssl_context=context)
out["after_tls"] = sorted(c for c in imap.capabilities if c in ("STARTTLS", "LOGINDISABLED", "AUTH=PLAIN"))
out["login"] = imap.login(user, password)[0]

typ, boxes = imap.list()
out["list"] = [typ, sorted(text(b) for b in boxes)]

typ, data = imap.select("INBOX")
out["select"] = [typ, text(data[0])]

# Headers of all three without setting \Seen (BODY.PEEK), in sequence order.
typ, data = imap.fetch("1:*", "(UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
subjects = [text(part[1]).strip() for part in data if isinstance(part, tuple)]
out["fetch_headers"] = [typ, subjects]

# The body of message 1: BODY[TEXT] sets \Seen (RFC 3501 §6.4.5).
typ, data = imap.fetch("1", "(BODY[TEXT])")
out["fetch_text"] = [typ, data[0][1].decode("utf-8").strip()]
typ, data = imap.fetch("1", "(FLAGS)")
out["flags_after_fetch"] = flags_of(data[0])

typ, data = imap.store("2", "+FLAGS", "(\\Flagged)")
out["store"] = [typ, flags_of(data[0])]

# Vietnamese search: the query without diacritics finds the name written with them.
typ, data = imap.search("UTF-8", "TEXT", '"nguyen van an"')
out["search_folded"] = [typ, text(data[0])]
# And with them, sent as a literal (imaplib sends non-ASCII only that way).
imap.literal = "Nguyễn Văn Ân".encode("utf-8")
typ, data = imap.search("UTF-8", "TEXT")
out["search_literal"] = [typ, text(data[0])]
# Subjects and display names are RFC 2047 encoded-words in the messages: searched decoded and folded.
typ, data = imap.search("UTF-8", "SUBJECT", '"giay moi"')
out["search_subject"] = [typ, text(data[0])]
typ, data = imap.search("UTF-8", "FROM", '"so noi vu"')
out["search_from"] = [typ, text(data[0])]
typ, data = imap.search(None, "FLAGGED")
out["search_flagged"] = [typ, text(data[0])]
typ, data = imap.uid("SEARCH", "UNSEEN")
out["uid_search_unseen"] = [typ, text(data[0])]

typ, data = imap.copy("2", "Archive")
out["copy"] = [typ, re.sub(r"COPYUID \d+", "COPYUID <v>", text(data[-1]))]
typ, data = imap.uid("MOVE", "3", "Trash")
# RFC 6851 §4.3: MOVE reports the source message gone with an untagged EXPUNGE (imaplib keeps it
# until asked; taken here so that the EXPUNGE step below shows only its own).
out["move"] = [typ, [text(d) for d in imap.response("EXPUNGE")[1]]]

out["status_archive"] = text(imap.status("Archive", "(MESSAGES UNSEEN)")[1][0])
out["status_trash"] = text(imap.status("Trash", "(MESSAGES)")[1][0])

imap.store("1", "+FLAGS.SILENT", "(\\Deleted)")
typ, data = imap.expunge()
out["expunge"] = [typ, [text(d) for d in data if d is not None]]

typ, data = imap.fetch("1:*", "(UID FLAGS)")
out["remaining"] = [text(d) for d in data]

out["close"] = imap.close()[0]
typ, data = imap.logout()
out["logout"] = [typ, text(data[0])]
print(json.dumps(out, ensure_ascii=False))
