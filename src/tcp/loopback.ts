/**
 * Whether a client address is this machine (127.0.0.0/8, ::1, or IPv4-mapped 127.x): the only
 * clients `[imap] allow_plaintext_auth` ever applies to, on IMAP and ManageSieve alike.
 */
export function isLoopbackAddress(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}
