import { z } from 'zod';
import { parseCidr, parseDuration, parseHostPort, parseSize, type Cidr, type HostPort } from './units.js';
import { isCalendarDate, isTimeZone, parseTimeOfDay, parseWorkingDays, parseWorkingPeriods } from './working-time.js';

// zod compiles each object schema to a function on its first parse ("JIT"); a config is parsed
// once per process, so the compile costs more than it saves (about 80 ms of a CLI command's start).
z.config({ jitless: true });

/**
 * The TOML config contract (../shared/DESIGN.md "Config"). Every table is strict: an unknown key
 * is an error, so a typo never silently falls back to a default.
 */

const size = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const bytes = parseSize(value);
  if (bytes === null) {
    ctx.addIssue({ code: 'custom', message: `not a size like "25MB": ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return bytes;
});

const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `not a duration like "30s", "5m", "5d": ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return ms;
});

/** "host:port", or "" for a listener that is switched off. */
const listener = z.string().transform((value, ctx): HostPort | null => {
  if (value === '') return null;
  const parsed = parseHostPort(value);
  if (!parsed) {
    ctx.addIssue({ code: 'custom', message: `not "host:port" with a port 0-65535: ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return parsed;
});

/**
 * `proxy_protocol_from` of a listener family: the load balancers (addresses or CIDRs) whose
 * connections start with a PROXY protocol header (src/tcp/proxy-protocol.ts, docs/haproxy.en.md);
 * empty: none, the default.
 */
const proxySources = z
  .array(
    z.string().transform((value, ctx): Cidr => {
      const cidr = parseCidr(value);
      if (!cidr) {
        ctx.addIssue({ code: 'custom', message: `not an IP address or CIDR like "10.0.0.0/8": ${JSON.stringify(value)}` });
        return z.NEVER;
      }
      return cidr;
    }),
  )
  .default([]);

const domainName = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, 'not a domain name')
  .transform((d) => d.toLowerCase());

const rights = z.string().regex(/^[lrswipkxtea]*$/, 'rights are letters from "lrswipkxtea" (RFC 4314)');

const server = z
  .object({
    domain: domainName.default('cantho.gov.vn'),
    domains: z.array(domainName).default([]),
    hostname: domainName.default('mail.cantho.gov.vn'),
    data_dir: z.string().min(1).default('./data'),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();

const tls = z
  .object({
    cert: z.string().default(''),
    key: z.string().default(''),
  })
  .strict();

const smtp = z
  .object({
    mx: listener.prefault('127.0.0.1:2525'),
    submission: listener.prefault('127.0.0.1:2587'),
    submissions: listener.prefault('127.0.0.1:2465'),
    max_message_size: size.prefault('25MB'),
    relay: z
      .string()
      .default('')
      .refine((v) => v === '' || parseHostPort(v) !== null, 'not "host:port"'),
    max_recipients: z.number().int().min(1).max(10_000).default(100),
    // One big sender (a ministry's MTA) uses 50 connections at once; a flood from one address
    // stops at these (src/smtp/connection-limits.ts), the whole listener at max_connections.
    max_connections_per_ip: z.number().int().min(1).default(100),
    /** New connections per minute from one address; 0: no limit. */
    max_connection_rate_per_ip: z.number().int().min(0).default(1200),
    /** Connections open at once on one listener, all addresses together. */
    max_connections: z.number().int().min(1).default(1000),
    max_commands_before_data: z.number().int().min(1).default(200),
    idle_timeout: duration.prefault('5m'),
    user_max_recipients: z.number().int().min(1).default(100),
    user_messages_per_hour: z.number().int().min(1).default(200),
    queue_max_age: duration.prefault('5d'),
    queue_retry_base: duration.prefault('1m'),
    /** MX early-talker pause before the greeting (a spam defence); 0: none. Submission never waits. */
    greeting_delay: duration.prefault('0s'),
    proxy_protocol_from: proxySources,
  })
  .strict();

const dkim = z
  .object({
    selector: z.string().default(''),
    private_key: z.string().default(''),
  })
  .strict()
  .refine((d) => (d.selector === '') === (d.private_key === ''), 'selector and private_key go together');

/**
 * `[imap] hide_capabilities`: capabilities not announced to some clients, for the broken client that
 * misuses one (docs/admin-guide.en.md "Hiding IMAP capabilities from a client"). A rule applies when
 * every condition it has holds: the login is one of `accounts` (address, or bare tên_sd for the
 * primary domain; the person or the account logged in to), and the RFC 2971 ID the client sent
 * contains `client` (name and version, case-insensitive). A rule with no condition applies to all.
 */
const hideCapabilitiesRule = z
  .object({
    capabilities: z
      .array(
        z
          .string()
          .regex(/^[!-~]+$/, 'a capability name, like "COMPRESS=DEFLATE"')
          .transform((name) => name.toUpperCase())
          // RFC 3501 §6.1.1: every IMAP4rev1 server announces IMAP4rev1; without it a client cannot talk to us at all.
          .refine((name) => name !== 'IMAP4REV1', 'IMAP4rev1 cannot be hidden'),
      )
      .min(1),
    accounts: z.array(z.string().min(1).transform((a) => a.toLowerCase())).default([]),
    client: z.string().default(''),
  })
  .strict();

const imap = z
  .object({
    listen: listener.prefault('127.0.0.1:2143'),
    tls_listen: listener.prefault('127.0.0.1:2993'),
    allow_plaintext_auth: z.boolean().default(false),
    max_connections_per_user: z.number().int().min(1).default(50),
    // More than SMTP's: IMAP connections stay open (IDLE), and a unit behind one NAT address has
    // dozens of officials with several connections each (Thunderbird caches up to 5).
    max_connections_per_ip: z.number().int().min(1).default(200),
    shared_prefix: z
      .string()
      .regex(/^[^/*%"\\][^*%"\\]*\/$/, 'a folder name ending in "/", like "Shared/"')
      .default('Shared/'),
    idle_keepalive: duration.prefault('2m'),
    // RFC 3501 §5.4 sets no minimum before login; counted from the last complete command line, so
    // a client trickling bytes cannot hold a connection open.
    login_timeout: duration.prefault('60s'),
    // RFC 7162 VANISHED: expunged UIDs remembered per mailbox (src/store/expunge-history.ts has the
    // pruning rule and the default, 10000); an older client state gets a full resync answer.
    vanished_history: z.number().int().min(1).optional(),
    // SEARCH/SORT/THREAD (src/imap/search/search-runner.ts): a mailbox with more messages is
    // searched on a worker thread, within search_budget of CPU time (past it: NO [LIMIT]).
    search_worker_above: z.number().int().min(0).default(1000),
    search_budget: duration.prefault('60s'),
    hide_capabilities: z.array(hideCapabilitiesRule).default([]),
    proxy_protocol_from: proxySources,
    // After start-up's preload, a sync run through a session of the server's own, so that the first
    // client's sync after a restart finds the FETCH path compiled (src/imap/warm-up.ts).
    warm_up: z.boolean().default(true),
  })
  .strict();

const quota = z.object({ default: size.prefault('2GB') }).strict();

const policy = z
  .object({
    require_password_change: z.boolean().default(true),
    login_failures_before_delay: z.number().int().min(1).default(3),
    login_failures_before_lock: z.number().int().min(1).default(10),
    login_lock: duration.prefault('15m'),
    login_queue_timeout: duration.prefault('30s'),
    login_queue_per_address: z.number().int().min(1).default(500),
    violations_before_report: z.number().int().min(1).default(3),
    violation_window: duration.prefault('365d'),
    suspended_unit_receives: z.boolean().default(true),
    default_delegate_rights: rights.default('lrswite'),
  })
  .strict();

const http = z
  .object({
    listen: listener.prefault('127.0.0.1:8080'),
    /** HTTPS with the `[tls]` pair (reloaded with it): the site needs no proxy to sit behind TLS. */
    tls_listen: listener.prefault(''),
    public_url: z.string().default(''),
    /** Web sessions end when unused this long, and this long after sign-in whatever happens. */
    session_idle: duration.prefault('30m'),
    session_lifetime: duration.prefault('8h'),
    /**
     * Reverse proxies in front of the site (addresses or CIDR ranges): only their
     * X-Forwarded-For is believed, so throttling and the audit log see the official's address.
     */
    trusted_proxies: z.array(z.string().min(1)).default([]),
    /** TCP load balancers sending a PROXY protocol header (HTTP or HTTPS alike); not X-Forwarded-For. */
    proxy_protocol_from: proxySources,
  })
  .strict()
  // The sign-in form carries passwords: beyond loopback it must sit behind TLS (a reverse proxy
  // that terminates it, named by an https public_url, or our own tls_listen, to which the plain
  // listener then redirects the pages), never plain HTTP on the network.
  .refine((h) => h.listen === null || isLoopbackHost(h.listen.host) || h.public_url.startsWith('https://') || h.tls_listen !== null, {
    message: 'a listener beyond loopback needs public_url = "https://…" or tls_listen (TLS in front of the sign-in form)',
    path: ['listen'],
  });

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

const clamav = z
  .object({
    socket: z.string().default('/run/clamav/clamd.ctl'),
    host: z.string().default(''),
    port: z.number().int().min(1).max(65535).default(3310),
    on_unavailable: z.enum(['tempfail', 'accept']).default('tempfail'),
    /** While clamd cannot be reached, the log repeats its warning this often (src/health/virus-scanner.ts). */
    warn_every: duration.prefault('5m'),
    timeout: duration.prefault('30s'),
    enabled: z.boolean().default(true),
    /** Scans at clamd at once: at most clamd's MaxThreads (its default 10), README "clamd settings". */
    max_concurrent_scans: z.number().int().min(1).max(256).default(8),
    /**
     * Messages waiting for a scan slot, per lane; past it `451 4.7.0` at once. They are already in
     * memory (bounded by `[limits] memory_ceiling`), so the bound only has to exceed what real
     * peers send at once: one big MTA's 50 sessions, several of them.
     */
    max_queued_scans: z.number().int().min(1).default(256),
  })
  .strict();

const spam = z
  .object({
    rules: z.string().default('spam-rules.toml'),
    /**
     * Score of outside mail whose From: poses as an official or as one of our domains
     * (filters/impersonation.ts). One point below the shipped rules' junk_at (4): such mail alone
     * reaches the INBOX tagged and marked, so an official writing from a private address is warned
     * about, not hidden; with one more point of any other signal it goes to Junk.
     */
    impersonation_score: z.number().min(0).default(3),
    /** Put before such a message's Subject; "" for none. */
    impersonation_tag: z.string().max(100).default('[Thư từ bên ngoài]'),
    /** First line put into such a message's text and HTML parts (src/smtp/banner.ts); "" for none. */
    impersonation_banner: z.string().max(300).regex(/^[^\r\n]*$/, 'one line').default(''),
  })
  .strict();

const naming = z
  .object({
    person: z
      .string()
      .regex(/\{(given|initials|family|middle)\}/, 'must use {given}, {initials}, {family} or {middle}')
      .default('{given}{initials}'),
  })
  .strict();

/**
 * Bounds checked before any parser sees a message (DESIGN.md "Config" [limits]), as Postfix's
 * header_size_limit does, and the ceiling on message bytes held in memory by all sessions.
 */
const limits = z
  .object({
    max_header_bytes: size.prefault('1MB'),
    max_header_lines: z.number().int().min(10).default(10_000),
    /** One field with its folded lines, as Postfix's header_size_limit (102400). */
    max_header_field_bytes: size.prefault('100KB'),
    max_mime_parts: z.number().int().min(1).default(1000),
    message_cpu_budget: duration.prefault('10s'),
    memory_ceiling: size.prefault('512MB'),
    /** A message body past this many bytes waits in a file under data_dir/spool while it arrives, not in memory. */
    spool_threshold: size.prefault('1MB'),
    /** Worker threads for message analysis (src/workers); 0: one per core. */
    analysis_workers: z.number().int().min(0).max(64).default(0),
    /** Messages that may wait for a worker; past it the MX answers 451 4.3.2. */
    analysis_queue: z.number().int().min(1).default(200),
  })
  .strict();

/** DNS used by the MX (PTR, SPF, DKIM, DMARC, DNSBL) and the outbound queue (MX records). */
const dns = z
  .object({
    /** "host:port" (or "host", port 53); empty: the system's resolvers. */
    servers: z.array(z.string().min(1)).default([]),
    timeout: duration.prefault('2s'),
    attempts: z.number().int().min(1).max(5).default(2),
    cache_size: z.number().int().min(0).default(10_000),
    cache_max_ttl: duration.prefault('1h'),
  })
  .strict();

/** Scheduled backups run by serve (src/backup/schedule.ts, docs/backup.en.md). */
const backup = z
  .object({
    /** Where `cantho-mail-<time>` backups go; empty: no scheduled backups. */
    dir: z.string().default(''),
    every: duration.prefault('24h'),
    /** Finished backups kept in `dir`; older ones are removed after each new one. */
    keep: z.number().int().min(1).default(14),
  })
  .strict();

/** Litestream continuous replication of the database, supervised by serve (src/backup/replica). */
const replica = z
  .object({
    /** `file:///path` or `s3://bucket/path`; empty: no replica. */
    url: z
      .string()
      .default('')
      .refine((v) => v === '' || /^(file:\/\/\/|s3:\/\/[^/]+)/.test(v), 'a "file:///path" or "s3://bucket/path" URL'),
    /** S3-compatible endpoint for MinIO or Ceph RGW ("http://10.0.0.5:9000"); empty: AWS. Keys come from LITESTREAM_ACCESS_KEY_ID / LITESTREAM_SECRET_ACCESS_KEY. */
    endpoint: z.string().default(''),
    region: z.string().default('us-east-1'),
    /** How often Litestream ships new WAL frames: the most mail a lost machine can take with it. */
    sync_interval: duration.prefault('1s'),
    /** A full snapshot this often; restores replay WAL from the last one. */
    snapshot_interval: duration.prefault('24h'),
    /** How far back point-in-time restores can go. */
    retention: duration.prefault('72h'),
    /** /healthz reports the replica degraded when it has been behind this long. */
    max_lag: duration.prefault('30s'),
  })
  .strict();

/**
 * Officials' Sieve scripts (src/sieve) and the ManageSieve listener (RFC 5804). Điều 8.5: a
 * redirect outside our domains is refused when the script is saved, unless "allow", or
 * "allow-listed" with the address or its domain in `redirect_allow`.
 */
const sieve = z
  .object({
    managesieve: listener.prefault('127.0.0.1:4190'),
    external_redirect: z.enum(['deny', 'allow-listed', 'allow']).default('deny'),
    /** Addresses or domains an "allow-listed" redirect may go to. */
    redirect_allow: z.array(z.string().toLowerCase()).default([]),
    /** ManageSieve quota per account (RFC 5804 §2.3 HAVESPACE). */
    max_scripts: z.number().int().min(1).default(10),
    max_script_bytes: size.prefault('64KB'),
    /** Key of the SRS hash for allowed external forwards; empty: a random key in data_dir/srs-secret (src/smtp/srs.ts). */
    srs_secret: z.string().default(''),
    /** ManageSieve connections open at once from one address (like `[imap] max_connections_per_ip`). */
    max_connections_per_ip: z.number().int().min(1).default(20),
    proxy_protocol_from: proxySources,
  })
  .strict();

/**
 * The read-only LDAP directory (src/ldap, RFC 4511): address books (Outlook, Thunderbird, iOS)
 * and password checks for the city's other systems (simple bind).
 */
const ldap = z
  .object({
    /** Plain LDAP with StartTLS (RFC 4511 §4.14); "" switches it off. */
    listen: listener.prefault('127.0.0.1:3389'),
    /** LDAP over TLS from the first byte ("ldaps"); "" switches it off. */
    tls_listen: listener.prefault('127.0.0.1:3636'),
    base_dn: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]*=[^,=]+(,\s*[A-Za-z][A-Za-z0-9-]*=[^,=]+)*$/, 'not a DN like "dc=cantho,dc=gov,dc=vn"')
      .default('dc=cantho,dc=gov,dc=vn'),
    /** Whether a client that has not bound may search (the root DSE is always readable). */
    anonymous: z.boolean().default(false),
    /** Most entries one search returns (one page, for a bound client paging with RFC 2696). */
    size_limit: z.number().int().min(1).max(100_000).default(500),
    /** Longest time one search may take, whatever the client asks. */
    time_limit: duration.prefault('10s'),
    proxy_protocol_from: proxySources,
  })
  .strict();

/**
 * RFC 8461 MTA-STS: the policy served at `https://mta-sts.<domain>/.well-known/mta-sts.txt`
 * (src/config/mta-sts.ts) and the `_mta-sts` TXT record `init` prints. `mode = ""`: no policy.
 * RFC 8460 TLS-RPT: `tls_rpt_rua` is where senders report TLS failures (`_smtp._tls` TXT record).
 */
const mtaSts = z
  .object({
    mode: z.enum(['', 'testing', 'enforce', 'none']).default(''),
    /** MX host patterns senders may deliver to (RFC 8461 §3.2, `*.` wildcards allowed); empty: `[server] hostname`. */
    mx: z.array(z.string().regex(/^(\*\.)?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, 'an MX host name, optionally starting with "*."').toLowerCase()).default([]),
    // RFC 8461 §3.2: max_age is at most 31557600 seconds (about a year).
    max_age: duration.prefault('7d').refine((ms) => ms >= 1000 && ms <= 31_557_600_000, 'max_age is between 1s and 365d (RFC 8461 §3.2)'),
    tls_rpt_rua: z
      .string()
      .regex(/^$|^(mailto:[^,!;\s]+|https:\/\/[^,!;\s]+)$/, 'a "mailto:…" or "https://…" address (RFC 8460 §3)')
      .default(''),
  })
  .strict();

/**
 * Unit mailbox diligence (Điều 9.1–9.2; docs/admin-guide.en.md "Unit mailbox diligence"): the
 * working calendar that ages unread messages of a unit INBOX, the reminder threshold and the time
 * of the daily digest. `unit diligence` overrides the threshold and the digest per unit.
 */
const units = z
  .object({
    working_hours: z
      .string()
      .default('07:00-11:30,13:00-17:00')
      .transform((value, ctx) => parseWorkingPeriods(value) ?? (ctx.addIssue({ code: 'custom', message: `not periods like "07:00-11:30,13:00-17:00": ${JSON.stringify(value)}` }), z.NEVER)),
    working_days: z
      .string()
      .default('Mon-Fri')
      .transform((value, ctx) => parseWorkingDays(value) ?? (ctx.addIssue({ code: 'custom', message: `not days like "Mon-Fri" or "Mon,Wed": ${JSON.stringify(value)}` }), z.NEVER)),
    /** Public holidays and days off the government announces, "YYYY-MM-DD" in `timezone`. */
    holidays: z.array(z.string().refine(isCalendarDate, 'a date like "2027-01-01"')).default([]),
    timezone: z.string().refine(isTimeZone, 'an IANA time zone like "Asia/Ho_Chi_Minh"').default('Asia/Ho_Chi_Minh'),
    /** Working hours a unit INBOX message may stay unread before the head and delegates are reminded; 0: no reminders. */
    reminder_hours: z.number().min(0).max(1000).default(4),
    /** Local time of the daily digest on working days; "": none. */
    digest_at: z
      .string()
      .default('07:30')
      .transform((value, ctx) => (value === '' ? null : (parseTimeOfDay(value) ?? (ctx.addIssue({ code: 'custom', message: `not a time like "07:30" (or "" for none): ${JSON.stringify(value)}` }), z.NEVER)))),
    /** How often serve looks for overdue messages and due digests. */
    check_every: duration.prefault('5m').refine((ms) => ms >= 1000, 'check_every is at least 1s'),
  })
  .strict();

/**
 * Where mail lives (docs/architecture.md "Store"): the embedded SQLite file for one machine, or a
 * PostgreSQL server shared by several nodes (docs/postgres.en.md).
 */
const store = z
  .object({
    backend: z.enum(['sqlite', 'postgres']).default('sqlite'),
    /** `postgres://user@host:port/database`; required when backend is "postgres". */
    postgres_url: z.string().default(''),
    /** Connections each node keeps to PostgreSQL. */
    postgres_pool: z.number().int().min(2).max(500).default(20),
  })
  .strict()
  .refine((value) => value.backend !== 'postgres' || value.postgres_url !== '', {
    message: 'backend = "postgres" needs postgres_url',
    path: ['postgres_url'],
  });

const retention = z.object({ retired_days: z.number().int().min(0).default(90) }).strict();

export const configSchema = z
  .object({
    server: server.prefault({}),
    tls: tls.prefault({}),
    smtp: smtp.prefault({}),
    dkim: dkim.prefault({}),
    imap: imap.prefault({}),
    quota: quota.prefault({}),
    policy: policy.prefault({}),
    http: http.prefault({}),
    clamav: clamav.prefault({}),
    spam: spam.prefault({}),
    naming: naming.prefault({}),
    retention: retention.prefault({}),
    limits: limits.prefault({}),
    dns: dns.prefault({}),
    backup: backup.prefault({}),
    replica: replica.prefault({}),
    sieve: sieve.prefault({}),
    ldap: ldap.prefault({}),
    mta_sts: mtaSts.prefault({}),
    units: units.prefault({}),
    store: store.prefault({}),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
type ParsedConfig = z.output<typeof configSchema>;

/** The validated config, with paths resolved and the list of local domains filled in. */
export interface Config extends ParsedConfig {
  /** Absolute path of the file this came from, or null for the embedded defaults. */
  readonly file: string | null;
  /** Every domain we accept mail for, lowercase, primary first. */
  readonly localDomains: readonly string[];
  /** Absolute paths derived from the file's location. */
  readonly paths: {
    readonly dataDir: string;
    readonly database: string;
    readonly spamRules: string;
    readonly templates: string;
  };
}
