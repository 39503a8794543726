import { isIP } from 'node:net';
import { spf, type DNSResolver, type SPFResult } from 'mailauth';
import { AnswerCache } from '../dns/index.js';
import { recordKey } from './record-key.js';

/**
 * SPF verdicts (RFC 7208) kept for a while on the worker thread that evaluated them, and reused
 * for the next message with the same inputs. mailauth's evaluation matches every ip4/ip6 range of
 * the record through ipaddr.js's parseCIDR, which throws (and builds a stack trace) for each IPv4
 * range before trying IPv4: with a record of a few ranges that was two thirds of SPF's time and a
 * few per cent of the worker's in the served SMTP bench, for a verdict that is the same for every
 * message a sender's MTA sends from one address.
 *
 * The verdict is a function of the client IP, the HELO name, the MAIL FROM address (macros,
 * RFC 7208 §7.3, may read its local part), our hostname (in the Received-SPF comment) and the DNS
 * answers along the way. The key holds the first four and the domain's own TXT answer (the
 * SPF record, RFC 7208 §4.4, which the MX looked up at MAIL FROM: client-lookups.ts), so a changed
 * record is seen at once; the answers further in (include:, a, mx, redirect=) are trusted for
 * VERDICT_LIFETIME_MS, less than the TTL of nearly every SPF-related record and within
 * `[dns] cache_max_ttl`. A temporary error (RFC 7208 §2.6.6) is never kept: the next message asks
 * again.
 */
const VERDICT_LIFETIME_MS = 60_000;
/** Distinct (client, sender) pairs kept per worker: a few hundred bytes each. */
const VERDICTS_KEPT = 5_000;
const verdicts = new AnswerCache<SPFResult>(VERDICTS_KEPT);

/** What an SPF check is asked about (RFC 7208 §4.1 check_host's <ip>, <sender> and the HELO name). */
export interface SpfQuestion {
  readonly ip: string;
  /** An address written as a literal ("[192.0.2.1]"), as mailauth expects it. */
  readonly helo: string;
  /** MAIL FROM, "" for the null sender. */
  readonly sender: string;
}

/** mailauth's SPF result for `question` (authenticate's own call: the same options, the same result). */
export async function spfVerdict(question: SpfQuestion, mta: string, resolver: DNSResolver): Promise<SPFResult> {
  const { ip, helo } = question;
  // RFC 7208 §2.4: the null sender is checked as postmaster@ the HELO name.
  const sender = question.sender || `postmaster@${helo}`;
  const domain = sender.slice(sender.lastIndexOf('@') + 1).toLowerCase();
  const record = await topRecord(domain, resolver);
  const key = JSON.stringify([ip, helo, sender, mta, record]);
  return verdicts.get(key, async () => {
    const result = await spf({ ip, helo, sender: question.sender, mta, resolver });
    return { value: result, ttlMs: result.status.result === 'temperror' ? 0 : VERDICT_LIFETIME_MS };
  });
}

/** The domain's TXT answer as the key sees it: its records, or the failure's code. */
async function topRecord(domain: string, resolver: DNSResolver): Promise<string> {
  // An address literal (a HELO of [192.0.2.1]) has no record; mailauth finds it is no domain.
  if (domain.startsWith('[') || isIP(domain)) return '';
  return recordKey(domain, resolver);
}
