/**
 * src/setup: what a new installation needs before its first `serve` (docs/admin-guide.en.md
 * "Install"): the config and spam rules copied from the shipped examples, a DKIM key pair, the
 * database, and the DNS records to publish. Used by `cantho-mail init` and `dkim keygen`.
 *
 * Invariant: nothing is ever overwritten. Every target is checked before the first file is
 * written, so a refused `init` leaves the directory as it was.
 */
export { dkimTxtValue, generateDkimKey, type DkimKeyFiles } from './dkim-key.js';
export { dnsRecordsFor, formatDnsRecords, type DnsRecord } from './dns-records.js';
export { createInstallation, InstallationExists, type InitOptions, type Installation } from './installation.js';
