"""The notices in an official's INBOX, with Python's imaplib (a client no one here wrote).

Usage: imaplib_notices.py PORT USER PASSWORD SUBJECT_PREFIX
Prints one JSON document: [{"subject": ..., "to": ..., "body": ...}] for every INBOX message whose
decoded Subject starts with SUBJECT_PREFIX, in UID order.
"""
import email
import email.header
import email.policy
import imaplib
import json
import sys

port, user, password, prefix = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
imap = imaplib.IMAP4("127.0.0.1", port)
imap.login(user, password)
imap.select("INBOX", readonly=True)
found = []
typ, data = imap.uid("SEARCH", None, "ALL")
for uid in data[0].split():
    typ, parts = imap.uid("FETCH", uid, "(BODY.PEEK[])")
    message = email.message_from_bytes(parts[0][1], policy=email.policy.default)
    subject = str(message["Subject"])
    if subject.startswith(prefix):
        found.append({"subject": subject, "to": str(message["To"]), "body": message.get_body(("plain",)).get_content().replace("\r\n", "\n")})
imap.logout()
print(json.dumps(found, ensure_ascii=False))
