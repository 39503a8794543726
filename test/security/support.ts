/** Helpers shared by the security review tests (test/security) and the SMTP fuzz test. */

/** RFC 4616 PLAIN response (SMTP AUTH PLAIN, IMAP AUTHENTICATE PLAIN): authzid NUL authcid NUL password, in base64. */
export function saslPlain(authcid: string, password: string, authzid = ''): string {
  return Buffer.from(`${authzid}\0${authcid}\0${password}`).toString('base64');
}
