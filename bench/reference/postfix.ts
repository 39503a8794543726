/**
 * Debian's Postfix as the reference MX for `npm run bench -- smtp --compare`.
 *
 * A private instance: main.cf and master.cf in a temp directory (`postfix -c DIR start`), its
 * own queue_directory and data_directory there too, smtpd only on 127.0.0.1 and a free port,
 * mail for cantho.gov.vn delivered by virtual(8) into Maildirs under the same temp directory.
 * Nothing under /etc or /var is written; stop() ends the master and its whole process group and
 * removes the directory. The system instance (unconfigured, see packages.ts) is not touched.
 *
 * Setup choices, each a departure from Debian's stock master.cf only where a private instance
 * needs it:
 * - every service runs unchrooted: Debian chroots smtpd, cleanup and most other daemons into
 *   the queue directory, and its init script copies /etc/resolv.conf, /etc/hosts, … there
 *   first; `postfix start` does not, so a chrooted private instance could not resolve anything;
 * - logs go to $maillog_file through postlogd (no syslog needed), kept until stop();
 * - process and concurrency limits are Postfix's defaults (default_process_limit = 100,
 *   destination concurrency 20, in_flow_delay = 1s), the settings a Debian admin starts from.
 *
 * Durability matches ours: smtpd answers 250 only after cleanup(8) fsynced the queue file, and
 * virtual(8) fsyncs each Maildir file in tmp/ before renaming it into new/, so "in new/" means
 * "on disk" — which is why deliveredCount() counts only new/.
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureDebianPackages } from './packages.js';
import { freeLoopbackPort } from '../../test/helpers/ports.js';
import { waitForListener } from './ports.js';
import { reapProcessGroup } from './processes.js';
import { systemUser, type SystemUser } from './system-users.js';

const run = promisify(execFile);

export const POSTFIX_DOMAIN = 'cantho.gov.vn';
const POSTFIX = '/usr/sbin/postfix';
const SMTP_SOURCE = '/usr/sbin/smtp-source';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

export interface PostfixOptions {
  /** Local parts with a Maildir in cantho.gov.vn (default: `annv`, the SMTP bench's recipient). */
  readonly localParts?: readonly string[];
}

export interface RunningPostfix {
  /** smtpd on 127.0.0.1:port. */
  readonly port: number;
  /** virtual_mailbox_base: `<maildir>/cantho.gov.vn/<local part>/{tmp,new,cur}`. */
  readonly maildir: string;
  /** The accepted addresses, in the order given. */
  readonly addresses: readonly string[];
  /** Postfix's own log, for when a count does not add up (deleted by stop()). */
  readonly logFile: string;
  /** The master(8) process: every Postfix process of this instance descends from it. */
  readonly masterPid: number;
  /** Messages delivered so far: files in the new/ folders of all Maildirs. */
  deliveredCount(): number;
  /** Resolves once deliveredCount() ≥ count (polled every 10 ms); rejects after timeoutMs with the count reached. */
  waitForDelivered(count: number, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export class PostfixStartError extends Error {
  constructor(detail: string, readonly logFile: string) {
    super(`postfix did not start: ${detail} (log: ${logFile})`);
    this.name = 'PostfixStartError';
  }
}

/** Installs Postfix when missing, then starts a private instance on a free loopback port. Must run as root (Postfix's master does). */
export async function startPostfix(options: PostfixOptions = {}): Promise<RunningPostfix> {
  if (process.getuid?.() !== 0) throw new PostfixStartError('the Postfix master must be started as root', '-');
  await ensureDebianPackages(['postfix']);
  const localParts = options.localParts ?? ['annv'];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cm-postfix-'));
  // mkdtemp makes it 0700; the postfix and mail users must reach their directories inside.
  chmodSync(dir, 0o755);
  const [etc, queue, data, maildir] = ['etc', 'queue', 'data', 'maildir'].map((name) => path.join(dir, name)) as [string, string, string, string];
  const logFile = path.join(dir, 'maillog');
  for (const d of [etc, queue, data, maildir]) mkdirSync(d);
  const postfixUser = systemUser('postfix');
  // Mail is owned by an account with no other rights; virtual(8) refuses uids below virtual_minimum_uid (100).
  const mailUser = systemUser('nobody');
  chownSync(data, postfixUser.uid, postfixUser.gid);
  chownSync(maildir, mailUser.uid, mailUser.gid);

  const port = await freeLoopbackPort();
  writeFileSync(path.join(etc, 'main.cf'), mainCf({ queue, data, maildir, logFile, etc, mailUser }));
  writeFileSync(path.join(etc, 'master.cf'), masterCf(port));
  const addresses = localParts.map((local) => `${local}@${POSTFIX_DOMAIN}`);
  // virtual(8): a result ending in "/" means Maildir delivery, relative to virtual_mailbox_base.
  writeFileSync(path.join(etc, 'vmailbox'), addresses.map((address, i) => `${address} ${POSTFIX_DOMAIN}/${localParts[i]}/\n`).join(''));
  // dynamicmaps.cf lists the map types (texthash is built in; Debian registers the others here).
  writeFileSync(path.join(etc, 'dynamicmaps.cf'), readFileSync('/etc/postfix/dynamicmaps.cf'));

  const masterPidFile = path.join(queue, 'pid', 'master.pid');
  const masterPid = (): number | null => (existsSync(masterPidFile) ? Number(readFileSync(masterPidFile, 'utf8').trim()) : null);
  const stop = async (): Promise<void> => {
    const pid = masterPid();
    await run(POSTFIX, ['-c', etc, 'stop'], { timeout: STOP_TIMEOUT_MS }).catch(() => undefined);
    // master(8) runs in its own session (setsid), so its group is every Postfix process.
    if (pid !== null) await reapProcessGroup(pid, STOP_TIMEOUT_MS);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await run(POSTFIX, ['-c', etc, 'start'], { timeout: START_TIMEOUT_MS });
    await waitForListener(port, START_TIMEOUT_MS);
  } catch (err) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join(' | ') : '';
    await stop();
    throw new PostfixStartError(`${(err as Error).message.trim()} ${log}`, logFile);
  }

  const newFolders = localParts.map((local) => path.join(maildir, POSTFIX_DOMAIN, local, 'new'));
  const deliveredCount = (): number => newFolders.reduce((sum, folder) => sum + (existsSync(folder) ? readdirSync(folder).length : 0), 0);
  return {
    port,
    masterPid: masterPid()!,
    maildir,
    addresses,
    logFile,
    deliveredCount,
    async waitForDelivered(count, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (deliveredCount() < count) {
        if (Date.now() > deadline) throw new Error(`postfix delivered ${deliveredCount()} of ${count} messages in ${timeoutMs} ms (log: ${logFile})`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    stop,
  };
}

interface MainCfPaths {
  readonly etc: string;
  readonly queue: string;
  readonly data: string;
  readonly maildir: string;
  readonly logFile: string;
  readonly mailUser: SystemUser;
}

function mainCf(p: MainCfPaths): string {
  return [
    'compatibility_level = 3.6',
    `queue_directory = ${p.queue}`,
    `data_directory = ${p.data}`,
    // postfix-files (used by `postfix check` to create the queue's subdirectories) stays Debian's.
    'meta_directory = /etc/postfix',
    'mail_owner = postfix',
    'setgid_group = postdrop',
    'myhostname = postfix-reference.localdomain',
    'myorigin = $myhostname',
    // Nothing is local(8)'s and nothing is relayed: the only destination is the virtual domain.
    'mydestination =',
    'relay_domains =',
    'alias_maps =',
    'alias_database =',
    'inet_interfaces = 127.0.0.1',
    'inet_protocols = ipv4',
    'mynetworks = 127.0.0.0/8',
    'biff = no',
    `virtual_mailbox_domains = ${POSTFIX_DOMAIN}`,
    `virtual_mailbox_base = ${p.maildir}`,
    // texthash: read as is, no postmap step (postfix 2.8+, DATABASE_README).
    `virtual_mailbox_maps = texthash:${path.join(p.etc, 'vmailbox')}`,
    `virtual_uid_maps = static:${p.mailUser.uid}`,
    `virtual_gid_maps = static:${p.mailUser.gid}`,
    `maillog_file_prefixes = ${path.dirname(p.logFile)}`,
    `maillog_file = ${p.logFile}`,
    '',
  ].join('\n');
}

/** Debian's services, with chroot off (column 5) and smtpd only on the loopback port; no tlsmgr, no pipe transports. */
function masterCf(port: number): string {
  // service type private unpriv chroot wakeup maxproc command
  return [
    `127.0.0.1:${port} inet n - n - - smtpd`,
    'pickup unix n - n 60 1 pickup',
    'cleanup unix n - n - 0 cleanup',
    'qmgr unix n - n 300 1 qmgr',
    'rewrite unix - - n - - trivial-rewrite',
    'bounce unix - - n - 0 bounce',
    'defer unix - - n - 0 bounce',
    'trace unix - - n - 0 bounce',
    'verify unix - - n - 1 verify',
    'flush unix n - n 1000? 0 flush',
    'proxymap unix - - n - - proxymap',
    'proxywrite unix - - n - 1 proxymap',
    'smtp unix - - n - - smtp',
    'relay unix - - n - - smtp',
    'showq unix n - n - - showq',
    'error unix - - n - - error',
    'retry unix - - n - - error',
    'discard unix - - n - - discard',
    'local unix - n n - - local',
    'virtual unix - n n - - virtual',
    'anvil unix - - n - 1 anvil',
    'scache unix - - n - 1 scache',
    'postlog unix-dgram n - n - 1 postlogd',
    '',
  ].join('\n');
}

export interface SmtpSourceLoad {
  readonly messages: number;
  readonly sessions: number;
  /** Payload bytes per message (smtp-source -l). */
  readonly size: number;
  readonly from?: string;
  readonly to?: string;
  /** true (-d): each session sends its messages over one connection; false: a new connection per message. */
  readonly reuseConnections?: boolean;
}

/**
 * Postfix's own load generator (`/usr/sbin/smtp-source`, in Debian's postfix package) against
 * 127.0.0.1:port: `sessions` in parallel sending `messages` in total, one after the other and
 * without PIPELINING; each session keeps its connection (-d, the default here) or opens a new
 * one per message, as most MX traffic arrives. Returns the seconds until the last message got its 250 —
 * "accepted", not "delivered": for Postfix, follow with waitForDelivered().
 */
export async function smtpSource(port: number, load: SmtpSourceLoad): Promise<number> {
  await ensureDebianPackages(['postfix']);
  const args = [...(load.reuseConnections === false ? [] : ['-d']), '-s', String(load.sessions), '-m', String(load.messages), '-l', String(load.size)];
  args.push('-f', load.from ?? 'load@example.org', '-t', load.to ?? `annv@${POSTFIX_DOMAIN}`, `127.0.0.1:${port}`);
  const started = process.hrtime.bigint();
  // Bounded: at 5 messages/s in all, on a machine shared with other work, it still finishes.
  await run(SMTP_SOURCE, args, { timeout: Math.max(60_000, load.messages * 200) });
  return Number(process.hrtime.bigint() - started) / 1e9;
}
