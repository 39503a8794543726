"""Concurrent IMAP LOGINs with Python's imaplib, each from a chosen loopback address.

Reads a JSON document on stdin: {"port": N, "logins": [{"source": "127.0.0.2", "user": "...",
"password": "..."}, ...]}. Every login runs in its own thread on its own connection, all released
at once. Prints one JSON list: per login (in input order) the server's answer ("OK" or the NO
text), and "done" (seconds since the release).
"""
import imaplib
import json
import socket
import sys
import threading
import time


class SourcedIMAP4(imaplib.IMAP4):
    """imaplib.IMAP4 whose socket is bound to a given local address."""

    def __init__(self, host, port, source):
        self._source = source
        super().__init__(host, port)

    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout or 300, source_address=(self._source, 0))


def main():
    spec = json.load(sys.stdin)
    logins = spec["logins"]
    results = [None] * len(logins)
    clients = [SourcedIMAP4("127.0.0.1", spec["port"], login["source"]) for login in logins]
    start = threading.Event()
    t0 = [0.0]

    def run(i):
        start.wait()
        login = logins[i]
        try:
            typ, data = clients[i].login(login["user"], login["password"])
            answer = typ
        except Exception as err:  # the NO line (imaplib.IMAP4.error) or a socket error
            answer = str(err)
        results[i] = {"answer": answer, "done": time.monotonic() - t0[0]}
        try:
            clients[i].logout()
        except Exception:
            pass

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(logins))]
    for thread in threads:
        thread.start()
    t0[0] = time.monotonic()
    start.set()
    for thread in threads:
        thread.join()
    json.dump(results, sys.stdout)


main()
