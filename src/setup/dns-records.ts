import { announcedPort, mtaStsPolicy, type Config } from '../config/index.js';
import { dkimTxtValue } from './dkim-key.js';

export interface DnsRecord {
  readonly name: string;
  readonly type: 'MX' | 'TXT' | 'SRV' | 'CNAME' | 'A' | 'PTR';
  readonly value: string;
  /** Why it is there, printed as a comment above it. */
  readonly why: string;
}

/**
 * The records a domain served by this installation needs, from the config. `dkimPublicKey` is
 * the `p=` value when a key was made (else the DKIM record is left out). MTA-STS and TLS-RPT
 * records only when `[mta_sts]` asks for them.
 */
export function dnsRecordsFor(config: Config, dkimPublicKey: string | null): DnsRecord[] {
  const host = `${config.server.hostname}.`;
  const records: DnsRecord[] = [
    { name: host, type: 'A', value: '<public IPv4 address of this server>', why: 'the MX host; add AAAA too if it has IPv6' },
    {
      name: '<public IPv4 address of this server>',
      type: 'PTR',
      value: host,
      why: 'ask the ISP who owns the address: receivers check that the PTR names the host and that host resolves back (FCrDNS)',
    },
  ];
  for (const domain of config.localDomains) {
    const at = `${domain}.`;
    records.push(
      { name: at, type: 'MX', value: `10 ${host}`, why: `RFC 5321 §5.1: mail for ${domain} goes to this host` },
      { name: at, type: 'TXT', value: 'v=spf1 mx -all', why: 'RFC 7208: only the MX hosts send for the domain' },
    );
    if (dkimPublicKey !== null && config.dkim.selector !== '') {
      records.push({ name: `${config.dkim.selector}._domainkey.${at}`, type: 'TXT', value: dkimTxtValue(dkimPublicKey), why: 'RFC 6376 §3.6.2.1: the key outgoing mail is signed with' });
    }
    records.push(
      { name: `_dmarc.${at}`, type: 'TXT', value: `v=DMARC1; p=quarantine; rua=mailto:postmaster@${domain}`, why: 'RFC 7489: what receivers do with mail failing SPF and DKIM; reports to postmaster' },
      ...mtaStsRecords(config, at, host),
      ...srvRecords(config, at, host),
      { name: `autoconfig.${at}`, type: 'CNAME', value: host, why: 'Thunderbird autoconfig: the web listener answers /mail/config-v1.1.xml (mail servers and the CardDAV address book)' },
      {
        name: `autodiscover.${at}`,
        type: 'CNAME',
        value: host,
        why: 'Outlook Autodiscover: the web listener answers POST /autodiscover/autodiscover.xml, over HTTPS on port 443 with a certificate naming this host',
      },
    );
  }
  return records;
}

/**
 * RFC 8461 §3.1: `_mta-sts` announces the policy by its id; the policy host `mta-sts.<domain>` is
 * our web listener, which must answer HTTPS on 443 with a certificate for that name. RFC 8460 §3:
 * `_smtp._tls` says where senders report TLS failures.
 */
function mtaStsRecords(config: Config, at: string, host: string): DnsRecord[] {
  const records: DnsRecord[] = [];
  const policy = mtaStsPolicy(config);
  if (policy) {
    records.push(
      { name: `_mta-sts.${at}`, type: 'TXT', value: `v=STSv1; id=${policy.id}`, why: `RFC 8461 §3.1: an MTA-STS policy (mode ${config.mta_sts.mode}); the id changes with the policy` },
      {
        name: `mta-sts.${at}`,
        type: 'CNAME',
        value: host,
        why: 'RFC 8461 §3.3: the policy host; the web listener serves /.well-known/mta-sts.txt, over HTTPS on port 443 with a certificate naming this host',
      },
    );
  }
  if (config.mta_sts.tls_rpt_rua !== '') {
    records.push({ name: `_smtp._tls.${at}`, type: 'TXT', value: `v=TLSRPTv1; rua=${config.mta_sts.tls_rpt_rua}`, why: 'RFC 8460 §3: where senders send their daily TLS reports' });
  }
  return records;
}

/** RFC 6186 §3 (and RFC 8314 §5.1 for `_submissions`): where clients find IMAP and submission; a port not listened on is "." (not offered). */
function srvRecords(config: Config, at: string, host: string): DnsRecord[] {
  // RFC 6186 §3.4: a target of "." says the service is not offered.
  const offered = (port: number | null) => (port === null ? '0 0 0 .' : `0 1 ${port} ${host}`);
  return [
    { name: `_imaps._tcp.${at}`, type: 'SRV', value: offered(announcedPort(config.imap.tls_listen, 993)), why: 'RFC 6186: IMAP over TLS' },
    { name: `_imap._tcp.${at}`, type: 'SRV', value: offered(announcedPort(config.imap.listen, 143)), why: 'RFC 6186: IMAP with STARTTLS' },
    { name: `_submissions._tcp.${at}`, type: 'SRV', value: offered(announcedPort(config.smtp.submissions, 465)), why: 'RFC 8314: submission over TLS' },
    { name: `_submission._tcp.${at}`, type: 'SRV', value: offered(announcedPort(config.smtp.submission, 587)), why: 'RFC 6186: submission with STARTTLS' },
  ];
}

/** Zone-file lines, each preceded by its reason; TXT values split in 255-byte strings (RFC 1035 §3.3.14). */
export function formatDnsRecords(records: readonly DnsRecord[]): string {
  return records
    .map((record) => {
      const value = record.type === 'TXT' ? (record.value.match(/.{1,255}/g) ?? []).map((part) => `"${part}"`).join(' ') : record.value;
      return `; ${record.why}\n${record.name}\tIN\t${record.type}\t${value}`;
    })
    .join('\n');
}
