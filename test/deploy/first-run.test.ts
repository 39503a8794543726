/**
 * A new admin's first run, from a fresh clone: the README's start command (`npm start`) with no
 * clamd anywhere. The development config (config/cantho-mail.toml, `[clamav] on_unavailable =
 * "accept"`) delivers with `X-Virus-Status: Unchecked` and says so in the log and on /healthz;
 * the production config (config/production.toml, "tempfail") refuses with 451 and its start log
 * says why. Only the listeners (free loopback ports, the defaults would collide with other test
 * files), the clamd socket (a path where surely no clamd listens) and, for production, the paths
 * that name files of a real installation are changed in the clone's config.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { freeLoopbackPort } from '../helpers/ports.js';
import { python, swaks } from '../smtp/clients.js';
import { changePasswordOnWeb, runProcess } from '../interop/readme-server.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIRST = 'Khoi-Dau-4827-Tam';
const CHANGED = 'Phu-Sa-Mien-Tay-9153';

interface Served {
  readonly http: number;
  readonly mx: number;
  readonly imap: number;
  log(): string;
  /** SIGTERM to the process group; resolves when serve has logged its clean stop and exited. */
  stop(): Promise<void>;
}

let dir: string;
let clone: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cm-first-run-'));
  clone = path.join(dir, 'cantho-mail');
  const cloned = await runProcess('git', ['clone', '--quiet', ROOT, clone]);
  expect(cloned.code, cloned.stderr).toBe(0);
  // `npm ci` needs the registry; the clone shares this checkout's installed modules instead.
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Rewrites the listeners (and `extra` keys) of a config file of the clone in place. */
async function adaptConfig(file: string, extra: Record<string, Record<string, unknown>> = {}): Promise<{ http: number; mx: number; imap: number }> {
  const config = parseToml(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
  const port = () => freeLoopbackPort().then((p) => `127.0.0.1:${p}`);
  const listeners = { mx: await port(), submission: await port(), submissions: await port(), imap: await port(), imaps: await port(), http: await port() };
  Object.assign(config.smtp!, { mx: listeners.mx, submission: listeners.submission, submissions: listeners.submissions });
  Object.assign(config.imap!, { listen: listeners.imap, tls_listen: listeners.imaps });
  config.http!.listen = listeners.http;
  config.sieve = { ...config.sieve, managesieve: await port() };
  config.ldap = { ...config.ldap, listen: await port(), tls_listen: await port() };
  config.clamav!.socket = path.join(dir, 'no-clamd-here.ctl');
  for (const [table, values] of Object.entries(extra)) config[table] = { ...config[table], ...values };
  writeFileSync(file, stringifyToml(config));
  const portOf = (hostPort: string) => Number(hostPort.split(':')[1]);
  return { http: portOf(listeners.http), mx: portOf(listeners.mx), imap: portOf(listeners.imap) };
}

/** Starts `command` in its own process group (npm runs node under a shell) and waits for /healthz. */
async function serve(command: string, args: readonly string[], ports: { http: number; mx: number; imap: number }, env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const child: ChildProcess = spawn(command, [...args], { cwd: clone, detached: true, env: { ...process.env, CANTHO_MAIL_CONFIG: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // 'close': every holder of the output pipes is gone — npm and the serve it started.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serve exited during start-up:\n${output}`);
    const answered = await fetch(`http://127.0.0.1:${ports.http}/healthz`).then(
      (r) => r.status,
      () => 0,
    );
    if (answered === 200) break;
    if (Date.now() > deadline) throw new Error(`no 200 from /healthz within 180 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    ...ports,
    log: () => output,
    stop: async () => {
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
      // npm itself dies of the signal; serve under it must have closed its store and said so.
      expect(output).toContain('"msg":"cantho-mail stopped"');
    },
  };
}

describe('first run from a fresh clone, without clamd', () => {
  let served: Served;
  const cli = (args: readonly string[], stdin?: string) =>
    runProcess('node', ['bin/cantho-mail.mjs', ...args], { cwd: clone, stdin, env: { ...process.env, CANTHO_MAIL_CONFIG: '' } });

  beforeAll(async () => {
    const ports = await adaptConfig(path.join(clone, 'config/cantho-mail.toml'));
    served = await serve('npm', ['start'], ports);
  }, 240_000);

  afterAll(async () => {
    await served?.stop();
  });

  it('warns at start that mail goes unscanned, and /healthz says degraded with the reason', { timeout: 240_000 }, async () => {
    expect(served.log()).toContain('virus scanner: clamd unreachable at');
    expect(served.log()).toContain('mail is delivered UNSCANNED with X-Virus-Status: Unchecked');
    const response = await fetch(`http://127.0.0.1:${served.http}/healthz`);
    expect(response.status).toBe(200);
    const report = (await response.json()) as { status: string; reasons: string[]; components: Record<string, { status: string }> };
    expect(report.status).toBe('degraded');
    expect(Object.keys(report.components).sort()).toEqual(['database', 'disk', 'queue', 'virus scanner']);
    expect(report.components.database!.status).toBe('ok');
    expect(report.reasons).toHaveLength(1);
    expect(report.reasons[0]).toMatch(/^virus scanner: clamd unreachable at .*no-clamd-here\.ctl \(ENOENT: .*\): mail is delivered UNSCANNED with X-Virus-Status: Unchecked/);
  });

  it('delivers a message from swaks, read with imaplib after the first password change', { timeout: 240_000 }, async () => {
    expect((await cli(['unit', 'add', 'vpubnd', '--name', 'Văn phòng UBND thành phố', '--doc', '1/QĐ-VP'])).code).toBe(0);
    const added = await cli(['--json', 'person', 'add', '--name', 'Nguyễn Văn An', '--unit', 'vpubnd', '--doc', '12/QĐ-VP', '--password-stdin'], `${FIRST}\n`);
    expect(added.code, added.stderr).toBe(0);
    const address = (JSON.parse(added.stdout) as { address: string }).address;
    expect(address).toBe('annv@cantho.gov.vn');
    await changePasswordOnWeb(served.http, address, FIRST, CHANGED, dir);

    const sent = await swaks(['--server', `127.0.0.1:${served.mx}`, '--from', 'sonv@example.org', '--to', address, '--header', 'Subject: Giay moi hop']);
    expect(sent.code, sent.output).toBe(0);

    const read = await python(`
import imaplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4('127.0.0.1', ${served.imap})
m.starttls(ssl_context=ctx)
m.login(${JSON.stringify(address)}, ${JSON.stringify(CHANGED)})
m.select('INBOX')
typ, data = m.fetch('1', '(BODY.PEEK[HEADER.FIELDS (SUBJECT X-VIRUS-STATUS)])')
print(data[0][1].decode().strip().replace('\\r\\n', '|'))
m.logout()
`);
    expect(read.code, read.output).toBe(0);
    expect(read.output.trim().split('|').sort()).toEqual(['Subject: Giay moi hop', 'X-Virus-Status: Unchecked']);
  });
});

describe('production config without clamd', () => {
  it('refuses with 451 and its start log says why', { timeout: 240_000 }, async () => {
    const file = path.join(clone, 'config/production.toml');
    // The installation's paths (/var/lib, /etc/cantho-mail) are not this machine's: a temp data
    // directory, the self-signed pair, no DKIM key.
    const ports = await adaptConfig(file, {
      server: { data_dir: path.join(dir, 'production-data') },
      tls: { cert: '', key: '' },
      dkim: { selector: '', private_key: '' },
    });
    const served = await serve('node', ['bin/cantho-mail.mjs', 'serve'], ports, { CANTHO_MAIL_CONFIG: file });
    try {
      const unit = await runProcess('node', ['bin/cantho-mail.mjs', '--config', file, 'unit', 'add', 'vpubnd', '--name', 'Văn phòng UBND thành phố', '--doc', '1/QĐ-VP'], { cwd: clone });
      expect(unit.code, unit.stderr).toBe(0);
      expect(served.log()).toContain('every message is refused with 451 until clamd answers ([clamav] on_unavailable = \\"tempfail\\", fail-closed)');
      const report = (await (await fetch(`http://127.0.0.1:${served.http}/healthz`)).json()) as { status: string; reasons: string[] };
      expect(report.status).toBe('degraded');
      expect(report.reasons[0]).toMatch(/^virus scanner: clamd unreachable .*every message is refused with 451/);
      const sent = await swaks(['--server', `127.0.0.1:${served.mx}`, '--from', 'sonv@example.org', '--to', 'vpubnd@cantho.gov.vn']);
      expect(sent.output).toMatch(/^<\*\* 451 4\.3\.0 Virus scanner unavailable, try again later$/m);
    } finally {
      await served.stop();
    }
  });
});
