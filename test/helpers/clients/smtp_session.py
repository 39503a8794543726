"""An official's submission session with Python smtplib, for the suspension tests
(docs/architecture.md "Violations (Điều 10)").

Usage: smtp_session.py PORT USER PASSWORD
STARTTLS, AUTH, prints "ready", waits for a line on stdin, then sends MAIL FROM:<USER> and prints
"mail <code> <text>": what the server answers to a login made before the unit was suspended.
"""
import smtplib
import ssl
import sys

port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE

smtp = smtplib.SMTP("127.0.0.1", port, local_hostname="client.example")
smtp.starttls(context=context)
smtp.login(user, password)
print("ready", flush=True)
sys.stdin.readline()
code, text = smtp.mail(user)
print("mail", code, text.decode(), flush=True)
smtp.close()
