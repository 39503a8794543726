/**
 * Debian's Dovecot (dovecot-imapd, 2.3) as the reference IMAP server for `npm run bench -- imap --compare`.
 *
 * A private instance: dovecot.conf, base_dir, state_dir, log, passwd-file and the users' homes
 * in one temp directory, `dovecot -F -c FILE` as our child (its own process group), IMAP on
 * 127.0.0.1 and a free port. /etc/dovecot and /var/lib/dovecot are not read or written; stop()
 * ends the master and every process of its group and removes the directory.
 *
 * Settings, and why:
 * - ssl = no, disable_plaintext_auth = no: loopback only, and our server is measured without TLS
 *   too; login_trusted_networks = 127.0.0.0/8 says the same to Dovecot's login processes.
 * - passwd-file with {PLAIN} passwords: logins cost no hashing (logins are not what is timed).
 * - Process model left at Dovecot's defaults: imap-login in "high-security mode" (service_count
 *   = 1, process_min_avail = 0: a fresh login process per connection, which exits after handing
 *   the connection to an imap process because there is no TLS to proxy), and one imap process
 *   per logged-in connection (service imap: client_limit = 1). Only limits are raised, so that
 *   `maxConnections` connections of one user from one IP are allowed: process_limit,
 *   mail_max_userip_connections (default 10), and the client_limit of auth/anvil that Dovecot
 *   sizes from them. Hence memory per connection is the growth of the whole process tree
 *   (rssOfProcessTree in processes.ts), not of one process.
 * - Mail processes run as `nobody` (uid 65534), never root; Dovecot's own helpers keep their
 *   default users (dovecot, dovenull).
 *
 * Filling INBOX: the messages are written straight into Maildir new/ with Dovecot's file names
 * (`<secs>.M<usecs>P<pid>Q<n>.<host>,S=<size>,W=<vsize>`, LF line ends as Dovecot stores them;
 * S= and W= let it answer RFC822.SIZE without reading the file), not APPENDed over IMAP: our
 * store is likewise filled through its own fastest path (store.deliver), the filling is not what
 * is measured, and on a shared 2-core machine 10,000 APPENDs only make the bench longer. What is
 * measured is the FETCH once the indexes exist. So before returning, startDovecot logs in,
 * SELECTs INBOX (Dovecot moves new/ to cur/, assigns UIDs, builds dovecot.index) and runs the
 * bench's FETCH (Dovecot parses every message and caches the fields asked for in
 * dovecot.index.cache); then it does the same in a second session, because the first FETCH of
 * the session after the one that created the cache was measured about 3× slower than all later
 * ones (350 vs 125 ms for 10,000 messages: Dovecot updates its caching decisions and the cache
 * file then). Measuring starts in Dovecot's steady state, as for ours after its warm-up.
 */
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { ensureDebianPackages } from './packages.js';
import { freeLoopbackPort } from '../../test/helpers/ports.js';
import { waitForListener } from './ports.js';
import { reapProcessGroup, signal } from './processes.js';
import { systemUser, type SystemUser } from './system-users.js';

const DOVECOT = '/usr/sbin/dovecot';
const DOMAIN = 'cantho.gov.vn';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const WARM_UP_SESSIONS = 2;
/** The bench's FETCH (bench/imap.ts, figure (a): the full sync): `UID FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE)`. */
const WARM_UP_FETCH = { uid: true, flags: true, envelope: true, bodyStructure: true, size: true } as const;

export interface DovecotOptions {
  /** Accounts: `annv@cantho.gov.vn`, then `user2@…`, `user3@…` (default 1). */
  readonly users?: number;
  /** Raw messages (CRLF) for the first account's INBOX, in UID order. */
  readonly messages?: readonly Buffer[];
  /** Password of every account (default: a fixed ASCII one). */
  readonly password?: string;
  /** Connections of one user from 127.0.0.1 the instance must accept at once (default 1,000, the IDLE bench). */
  readonly maxConnections?: number;
  /** The personal namespace's hierarchy separator (default Dovecot's, "." for Maildir++); "/" is ours (test/interop/dovecot-diff.test.ts). */
  readonly hierarchySeparator?: string;
}

export interface RunningDovecot {
  /** IMAP (no TLS) on 127.0.0.1:port. */
  readonly port: number;
  /** Login name of the account whose INBOX holds the messages. */
  readonly user: string;
  readonly password: string;
  /** Every account's login name, `user` first. */
  readonly users: readonly string[];
  /** The dovecot master: root of the process tree for rssOfProcessTree(). */
  readonly pid: number;
  /** Dovecot's log (deleted by stop()). */
  readonly logFile: string;
  stop(): Promise<void>;
}

export class DovecotStartError extends Error {
  constructor(detail: string, readonly logFile: string) {
    super(`dovecot did not start: ${detail} (log: ${logFile})`);
    this.name = 'DovecotStartError';
  }
}

/** Installs dovecot-imapd when missing, starts a private instance, fills and indexes INBOX. Must run as root (Dovecot's master does). */
export async function startDovecot(options: DovecotOptions = {}): Promise<RunningDovecot> {
  if (process.getuid?.() !== 0) throw new DovecotStartError('the Dovecot master must be started as root', '-');
  await ensureDebianPackages(['dovecot-imapd']);
  const password = options.password ?? 'reference-Pass-1234';
  // passwd-file(5) fields are separated by ':' and records by newlines.
  if (/[:\r\n]/.test(password)) throw new DovecotStartError('the password must not contain ":" or a line break', '-');
  const maxConnections = options.maxConnections ?? 1000;
  const users = Array.from({ length: options.users ?? 1 }, (_, i) => `${i === 0 ? 'annv' : `user${i + 1}`}@${DOMAIN}`);
  const mailUser = systemUser('nobody');

  const dir = mkdtempSync(path.join(os.tmpdir(), 'cm-dovecot-'));
  // mkdtemp makes it 0700; the mail user and Dovecot's unprivileged helpers must reach inside.
  chmodSync(dir, 0o755);
  const logFile = path.join(dir, 'dovecot.log');
  const passwdFile = path.join(dir, 'passwd');
  const home = (user: string): string => path.join(dir, 'home', user);
  for (const user of users) makeMailUserDir(home(user), mailUser);
  writeFileSync(passwdFile, users.map((user) => `${user}:{PLAIN}${password}:${mailUser.uid}:${mailUser.gid}::${home(user)}\n`).join(''), { mode: 0o640 });
  // The auth process reads it as Dovecot's internal user (default_internal_user = dovecot).
  chownSync(passwdFile, 0, systemUser('dovecot').gid);
  fillInbox(path.join(home(users[0]!), 'Maildir'), options.messages ?? [], mailUser);

  const port = await freeLoopbackPort();
  const configFile = path.join(dir, 'dovecot.conf');
  writeFileSync(configFile, dovecotConf({ dir, port, passwdFile, logFile, maxConnections, mailUid: mailUser.uid, separator: options.hierarchySeparator }));
  // detached: the master leads its own process group, so stop() can find every child it forked.
  const child = spawn(DOVECOT, ['-F', '-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited: string | null = null;
  child.once('exit', (code, signal) => (exited = `dovecot exited (${signal ?? code}): ${stderr.trim()}`));
  const pid = child.pid!;

  const stop = async (): Promise<void> => {
    if (exited === null) signal(pid, 'SIGTERM');
    await reapProcessGroup(pid, STOP_TIMEOUT_MS);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitForListener(port, START_TIMEOUT_MS, () => exited);
    for (let session = 0; session < WARM_UP_SESSIONS; session++) await warmUpInbox(port, users[0]!, password);
  } catch (err) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join(' | ') : '';
    await stop();
    throw new DovecotStartError(`${(err as Error).message} ${log}`, logFile);
  }
  return { port, user: users[0]!, password, users, pid, logFile, stop };
}

interface ConfPaths {
  readonly dir: string;
  readonly port: number;
  readonly passwdFile: string;
  readonly logFile: string;
  readonly maxConnections: number;
  readonly mailUid: number;
  readonly separator: string | undefined;
}

function dovecotConf(c: ConfPaths): string {
  const processes = c.maxConnections + 10;
  // Each login talks to auth and anvil, and each imap process to anvil: room for all of them at once.
  const clients = 2 * processes + 100;
  return `# cantho-mail bench: private Dovecot instance (bench/reference/dovecot.ts)
base_dir = ${path.join(c.dir, 'run')}
state_dir = ${path.join(c.dir, 'state')}
instance_name = cm-dovecot-${c.port}
log_path = ${c.logFile}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
login_trusted_networks = 127.0.0.0/8
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = ${c.mailUid}
last_valid_uid = ${c.mailUid}
mail_max_userip_connections = ${c.maxConnections + 10}
default_client_limit = ${clients}
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${c.passwdFile}
}
userdb {
  driver = passwd-file
  args = ${c.passwdFile}
}
${c.separator === undefined ? '' : `namespace inbox {\n  inbox = yes\n  separator = ${c.separator}\n}\n`}service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${c.port}
  }
  inet_listener imaps {
    port = 0
  }
  process_limit = ${processes}
}
service imap {
  process_limit = ${processes}
}
service auth {
  client_limit = ${clients}
}
service anvil {
  client_limit = ${clients}
}
`;
}

function makeMailUserDir(dir: string, owner: SystemUser): void {
  mkdirSync(dir, { recursive: true });
  chownSync(dir, owner.uid, owner.gid);
}

/** Writes the messages into `maildir`/new/ as a delivery agent would; UIDs follow the file names' order, which is the array's. */
function fillInbox(maildir: string, messages: readonly Buffer[], owner: SystemUser): void {
  for (const sub of ['', 'tmp', 'new', 'cur']) makeMailUserDir(path.join(maildir, sub), owner);
  const seconds = Math.floor(Date.now() / 1000);
  messages.forEach((raw, n) => {
    // Dovecot stores LF line ends (mail_save_crlf = no); W= is the size with CRLF, which IMAP reports as RFC822.SIZE.
    const lf = Buffer.from(raw.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    const lines = lf.reduce((count, byte) => count + (byte === 0x0a ? 1 : 0), 0);
    const name = `${seconds + Math.floor(n / 1e6)}.M${n % 1e6}P${process.pid}Q${n}.bench,S=${lf.length},W=${lf.length + lines}`;
    const file = path.join(maildir, 'new', name);
    writeFileSync(file, lf);
    chownSync(file, owner.uid, owner.gid);
  });
}

/** One session of SELECT INBOX and the bench's FETCH (see the file comment for why two). */
async function warmUpInbox(port: number, user: string, password: string): Promise<void> {
  const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user, pass: password }, logger: false });
  await client.connect();
  try {
    const mailbox = await client.mailboxOpen('INBOX');
    if (mailbox.exists > 0) for await (const _ of client.fetch('1:*', WARM_UP_FETCH, { uid: true }));
  } finally {
    await client.logout();
  }
}
