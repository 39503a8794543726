/**
 * The Sieve extensions this server implements, each with its RFC; a script must `require` the
 * ones it uses (RFC 5228 §3.2). The same list is the ManageSieve SIEVE capability (RFC 5804 §1.7).
 */
export const SIEVE_EXTENSIONS: ReadonlyMap<string, string> = new Map([
  ['fileinto', 'RFC 5228 §4.1'],
  ['envelope', 'RFC 5228 §5.4'],
  ['comparator-i;octet', 'RFC 5228 §2.7.3'],
  ['comparator-i;ascii-casemap', 'RFC 5228 §2.7.3'],
  ['copy', 'RFC 3894'],
  ['comparator-i;ascii-numeric', 'RFC 4790 §9.1'],
  ['mailbox', 'RFC 5490 §3 (fileinto :create, mailboxexists)'],
  ['imap4flags', 'RFC 5232'],
  ['body', 'RFC 5173'],
  ['vacation', 'RFC 5230'],
  ['vacation-seconds', 'RFC 6131'],
  ['variables', 'RFC 5229'],
  ['relational', 'RFC 5231'],
  ['date', 'RFC 5260 §4, §5'],
  ['index', 'RFC 5260 §6'],
  ['subaddress', 'RFC 5233'],
  ['spamtest', 'RFC 5235 §3.2'],
  ['spamtestplus', 'RFC 5235 §3.3'],
  ['virustest', 'RFC 5235 §3.4'],
  ['reject', 'RFC 5429 §2.2'],
  ['ereject', 'RFC 5429 §2.1'],
]);
