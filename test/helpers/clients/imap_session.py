"""An official's IMAP session with Python imaplib, for the suspension tests
(docs/architecture.md "Violations (Điều 10)").

Usage: imap_session.py PORT USER PASSWORD [hold]
With $CLIENT_NAME set, sends ID ("name" $CLIENT_NAME) first (RFC 2971). Logs in (plaintext on loopback: the test server allows it) and prints "login OK" or
"login NO <server text>". With "hold", prints "ready", waits for a line on stdin, then sends
NOOP and prints "noop OK" or "noop BYE <server text>" (the server ended the session).
"""
import imaplib
import os
import sys

port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
hold = len(sys.argv) > 4 and sys.argv[4] == "hold"

imap = imaplib.IMAP4("127.0.0.1", port)
if os.environ.get("CLIENT_NAME"):
    imaplib.Commands["ID"] = ("NONAUTH", "AUTH", "SELECTED")
    imap._simple_command("ID", '("name" "%s")' % os.environ["CLIENT_NAME"])
try:
    imap.login(user, password)
except imaplib.IMAP4.error as error:
    print("login NO", error, flush=True)
    sys.exit(0)
print("login OK", flush=True)
if not hold:
    imap.logout()
    sys.exit(0)
print("ready", flush=True)
sys.stdin.readline()
try:
    typ, _ = imap.noop()
    print("noop", typ, flush=True)
except imaplib.IMAP4.abort as error:
    print("noop BYE", error, flush=True)
