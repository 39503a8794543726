/**
 * src/ldap: the directory (danh bạ điện tử) as a read-only LDAP v3 server (RFC 4511) for address
 * books (Outlook, Thunderbird, iOS) and for the city's other systems that check an official's
 * password by simple bind. Our own small BER module rather than ldapjs, which its maintainers
 * archived in 2024; LDAP needs only a small, strict subset of BER.
 *
 * Notes and invariants:
 * - Input: a PDU's length is read from its header and checked against MAX_REQUEST_BYTES before
 *   any of it is decoded; BER is definite-length only (ber.ts, RFC 4511 §5.1); filters are
 *   bounded in depth and terms (filter.ts). Malformed input ends the connection with a Notice of
 *   Disconnection (§4.4.1), never an exception past the session.
 * - Read-only: bind, unbind, search, abandon, StartTLS (§4.14) and WhoAmI (RFC 4532); add,
 *   delete, modify, modify DN and compare answer unwillingToPerform.
 * - One door for passwords: a simple bind is `DirectoryService.verifyLogin` (protocol "ldap"),
 *   the same argon2 check, throttle and audit as IMAP; a password is taken only over TLS or on
 *   loopback with `[imap] allow_plaintext_auth`.
 * - The tree (tree.ts) is built from `listEntries()` on first use, in time slices (src/limits),
 *   and dropped after a directory change; retired persons, suspended units and their members are
 *   not in it. Matching folds
 *   case and Vietnamese marks (src/text), so `nguyen van an` finds `Nguyễn Văn An`.
 * - A search walks the tree in slices with the event loop free between them and writes entries
 *   with the socket's backpressure (search.ts); `[ldap] size_limit`/`time_limit` cap what the
 *   client asks; an anonymous client cannot page past the size limit (paging.ts, RFC 2696).
 *
 *   ber.ts       BER reading and writing          messages.ts  LDAPMessage, requests, responses
 *   filter.ts    filter decoding (§4.5.1.7)       match.ts     filter evaluation, anr
 *   dn.ts        DN parsing (RFC 4514)            tree.ts      the directory as entries
 *   search.ts    scopes, limits, attributes       paging.ts    RFC 2696 cookies
 *   session.ts   one connection                   listener.ts  the ldap/ldaps listeners
 */
export { startLdap } from './listener.js';
export { MAX_REQUEST_BYTES } from './session.js';
export { MAX_FILTER_DEPTH } from './filter.js';
