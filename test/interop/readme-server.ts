/**
 * The server as an official's administrator starts it from the README: `node bin/cantho-mail.mjs
 * serve` (what `npm start` runs) as a child process, and accounts made with the real CLI. Unlike
 * test/helpers/server.ts nothing runs in the test's process, so what the interop tests exercise is
 * exactly the shipped start-up path: config file, TLS pair made on first start, clamd, listeners.
 *
 * The config is a copy of config/cantho-mail.toml (with spam-rules.toml and templates/, which it
 * names relatively) in a temp directory. Only these keys differ from the shipped file:
 * - server.data_dir: the temp directory;
 * - every listener: a free port on 127.0.0.1 (the defaults would collide between test files);
 * - clamav.socket: a real clamd from test/helpers/clamd.ts (without it the shipped
 *   on_unavailable = "accept" would deliver unscanned);
 * - smtp.relay, only when a test asks for it (a smarthost the test runs on 127.0.0.1);
 * - server.data_dir, only when a test asks (`dataDir`: e.g. a small tmpfs);
 * - policy.require_password_change, only when a test asks (`passwordChange: 'config'`); by default
 *   the first password is changed through the web page's form, as an official would;
 * - whatever a bench or test passes as `config`, tables merged over the copied file one level deep
 *   (the served SMTP bench: `[dns] servers` on a loopback DNS server of ours; the hostile tests'
 *   [limits]); the keys above stay the helper's.
 * imap.allow_plaintext_auth stays false unless a bench passes it: every test client does STARTTLS
 *   or implicit TLS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { startClamd, type ClamdOptions, type RunningClamd } from '../helpers/clamd.js';
import { freeLoopbackPort } from '../helpers/ports.js';
import type { ListenerPorts } from '../helpers/server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/cantho-mail.mjs');

export interface ReadmeServerOptions {
  /** `smtp.relay = "127.0.0.1:PORT"`: the smarthost outbound mail goes to. */
  readonly relayPort?: number;
  /**
   * How the first password stops being a must-change one: 'web' (default) signs in and changes it
   * with the web page's forms through curl; 'config' sets `policy.require_password_change = false`.
   */
  readonly passwordChange?: 'web' | 'config';
  /** Node options for `serve`, before the script (e.g. `--cpu-prof`, which NODE_OPTIONS refuses). */
  readonly nodeArgs?: readonly string[];
  readonly clamd?: ClamdOptions;
  /** Config tables merged over the copied file, one level deep (e.g. `{ limits: { memory_ceiling: '64MB' } }`). */
  readonly config?: Record<string, Record<string, unknown>>;
  /** server.data_dir: this directory (e.g. a small tmpfs) instead of `data/` in the temp directory; left in place by stop(). */
  readonly dataDir?: string;
}

export interface Official {
  readonly address: string;
  /** The password that works for IMAP and SMTP (after the first-use change). */
  readonly password: string;
}

export interface ProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ReadmeServer {
  readonly dir: string;
  readonly dataDir: string;
  readonly configFile: string;
  readonly ports: ListenerPorts;
  /** The clamd the config points at. */
  readonly clamdPid: number;
  /** The server's stdout and stderr so far (pino lines), for failure messages. */
  log(): string;
  /** Process id of `serve` while it runs; null once it has exited (a crash, for the hostile bench). */
  pid(): number | null;
  /** `node bin/cantho-mail.mjs --config FILE ARGS…` with `stdin` piped in. */
  cli(args: readonly string[], stdin?: string): Promise<ProcessResult>;
  /**
   * `unit add` (once per unit) and `person add --password-stdin`, then the first-use password
   * change (see ReadmeServerOptions.passwordChange). `password` is the one the official ends up
   * with (default CHANGED_PASSWORD, or FIRST_PASSWORD with `passwordChange: 'config'`).
   * Returns the address the CLI printed.
   */
  addOfficial(name: string, options?: { unit?: string; unitName?: string; password?: string }): Promise<Official>;
  /** `person add` only: the official still has FIRST_PASSWORD, which must be changed before use. */
  addNewcomer(name: string, options?: { unit?: string; unitName?: string }): Promise<Official>;
  /** The first-use change on the web page (sign in, change form), as a browser does it. */
  changePasswordOnWeb(official: Official, next: string): Promise<Official>;
  /** SIGTERM to serve (it must exit with 0), then the README command again on the same config and data. */
  restart(): Promise<void>;
  /** `kill -9` of serve, waiting for it to be gone; restart() then starts it again. */
  crash(): Promise<void>;
  /** Stops the clamd the config points at (the README: inbound mail is then answered 451). */
  stopClamd(): Promise<void>;
  /**
   * SIGTERM, wait for the exit, stop clamd, remove the temp dir. Rejects when `serve` did not
   * exit with code 0 within 15 s (a clean shutdown is part of what the README promises), unless
   * it was crash()ed and not restarted.
   */
  stop(): Promise<void>;
}

/** The password given with `person add --password-stdin`; must be changed on first use. */
export const FIRST_PASSWORD = 'Khoi-Dau-4827-Tam';
/** The password after the change through the web page. ASCII: it goes into URLs and muttrc. */
export const CHANGED_PASSWORD = 'Phu-Sa-Mien-Tay-9153';

export async function startReadmeServer(options: ReadmeServerOptions = {}): Promise<ReadmeServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cm-interop-'));
  const dataDir = options.dataDir ?? path.join(dir, 'data');
  const configDir = path.join(dir, 'config');
  cpSync(path.join(ROOT, 'config'), configDir, { recursive: true });
  const configFile = path.join(configDir, 'cantho-mail.toml');

  let clamd: RunningClamd | null = null;
  let child: ChildProcess | null = null;
  let output = '';
  let exitCode: number | null = null;
  let crashed = false;
  const killOnExit = () => child?.kill('SIGKILL');

  /** SIGTERM to serve and wait for its exit (SIGKILL after 15 s). */
  const terminate = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const forced = setTimeout(() => child?.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(forced);
    }
  };
  const cleanup = async () => {
    process.removeListener('exit', killOnExit);
    await terminate();
    await clamd?.stop();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    clamd = await startClamd(options.clamd);
    const socket = clamd.socket;
    const launch = async (reuse?: ListenerPorts): Promise<ListenerPorts> => {
      const ports: ListenerPorts = reuse ?? {
        mx: await freeLoopbackPort(),
        submission: await freeLoopbackPort(),
        submissions: await freeLoopbackPort(),
        imap: await freeLoopbackPort(),
        imaps: await freeLoopbackPort(),
        http: await freeLoopbackPort(),
      };
      const config = parseToml(readFileSync(configFile, 'utf8')) as Record<string, Record<string, unknown>>;
      for (const [table, values] of Object.entries(options.config ?? {})) config[table] = { ...config[table], ...values };
      const at = (port: number) => `127.0.0.1:${port}`;
      config.server!.data_dir = dataDir;
      Object.assign(config.smtp!, { mx: at(ports.mx), submission: at(ports.submission), submissions: at(ports.submissions) });
      Object.assign(config.imap!, { listen: at(ports.imap), tls_listen: at(ports.imaps) });
      config.http!.listen = at(ports.http);
      // ManageSieve is not one of the README's listeners here: any free port, never the shipped 4190.
      config.sieve = { ...config.sieve, managesieve: '127.0.0.1:0' };
      config.ldap = { ...config.ldap, listen: '127.0.0.1:0', tls_listen: '127.0.0.1:0' };
      config.clamav!.socket = socket;
      if (options.relayPort !== undefined) config.smtp!.relay = at(options.relayPort);
      if (options.passwordChange === 'config') config.policy!.require_password_change = false;
      writeFileSync(configFile, stringifyToml(config));

      // The environment `npm start` (package.json) and deploy/cantho-mail.service give the server.
      const env = { ...process.env, MALLOC_ARENA_MAX: '2' };
      const started = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, '--config', configFile, 'serve'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      started.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      started.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      started.once('exit', (code) => (exitCode = code));
      await waitForHealth(ports.http, started);
      return ports;
    };
    process.once('exit', killOnExit);
    // A port found free may be taken by a parallel test file before serve binds it: try others.
    let ports: ListenerPorts | null = null;
    for (let attempt = 1; ports === null; attempt++) {
      try {
        ports = await launch();
      } catch (error) {
        if (attempt === 3 || !output.includes('EADDRINUSE')) throw error;
        output = '';
      }
    }

    const cli = (args: readonly string[], stdin?: string) => runCli(configFile, dir, args, stdin);
    const units = new Set<string>();
    const addPerson = async (name: string, password: string, addOptions: { unit?: string; unitName?: string }): Promise<Official> => {
      const unit = addOptions.unit ?? 'vpubnd';
      if (!units.has(unit)) {
        await mustSucceed(cli(['unit', 'add', unit, '--name', addOptions.unitName ?? 'Văn phòng UBND thành phố', '--doc', '1/QĐ-VP']));
        units.add(unit);
      }
      const added = await mustSucceed(cli(['--json', 'person', 'add', '--name', name, '--unit', unit, '--doc', '12/QĐ-VP', '--password-stdin'], `${password}\n`));
      return { address: (JSON.parse(added.stdout) as { address: string }).address, password };
    };
    const server: ReadmeServer = {
      dir,
      dataDir,
      configFile,
      ports,
      clamdPid: clamd.pid,
      log: () => output,
      pid: () => (child && child.exitCode === null && child.signalCode === null ? (child.pid ?? null) : null),
      cli,
      async addOfficial(name, addOptions = {}) {
        const viaConfig = options.passwordChange === 'config';
        const password = addOptions.password ?? (viaConfig ? FIRST_PASSWORD : CHANGED_PASSWORD);
        const added = await addPerson(name, viaConfig ? password : FIRST_PASSWORD, addOptions);
        return viaConfig ? added : server.changePasswordOnWeb(added, password);
      },
      addNewcomer: (name, addOptions = {}) => addPerson(name, FIRST_PASSWORD, addOptions),
      async changePasswordOnWeb(official, next) {
        await changePasswordOnWeb(ports.http, official.address, official.password, next, dir);
        return { address: official.address, password: next };
      },
      stopClamd: () => clamd!.stop(),
      async crash() {
        const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
        crashed = true;
        child!.kill('SIGKILL');
        await exited;
      },
      async restart() {
        await terminate();
        if (crashed) crashed = false;
        else if (exitCode !== 0) throw new Error(`serve did not exit cleanly after SIGTERM (code ${exitCode})\n${output.slice(-3000)}`);
        await launch(ports!);
      },
      async stop() {
        await cleanup();
        // After crash() without restart() there is no clean exit to check (the replica drill's primary stays down).
        if (!crashed && exitCode !== 0) throw new Error(`serve did not exit cleanly after SIGTERM (code ${exitCode})\n${output.slice(-3000)}`);
      },
    };
    return server;
  } catch (error) {
    const log = output;
    await cleanup();
    throw new Error(`${(error as Error).message}\n--- server output ---\n${log}`);
  }
}

async function waitForHealth(port: number, child: ChildProcess): Promise<void> {
  // Generous: start-up (tsx, worker threads) takes tens of seconds on a machine shared by many test runs.
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`serve exited during start-up (code ${child.exitCode})`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('no 200 from /healthz within 180 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function runCli(configFile: string, cwd: string, args: readonly string[], stdin?: string): Promise<ProcessResult> {
  return runProcess(process.execPath, [BIN, '--config', configFile, ...args], { cwd, stdin });
}

/** Runs a program to its end (60 s at most); never rejects, the caller asserts on the result. */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { cwd?: string; stdin?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `${stderr}${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr: signal ? `${stderr}\n(killed by ${signal})` : stderr });
    });
    // A command that exits without reading its input (mount, a refused command) closes the pipe: EPIPE here is not a failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
}

async function mustSucceed(pending: Promise<ProcessResult>): Promise<ProcessResult> {
  const result = await pending;
  if (result.code !== 0) throw new Error(`command failed (${result.code}): ${result.stderr}${result.stdout}`);
  return result;
}

/**
 * The first-use change an official makes in a browser, done with curl and a cookie jar: GET the
 * sign-in form (session cookie + CSRF token), POST it (303 to the change page), GET the change
 * page (its own CSRF token), POST current/new/confirm (303 to the search page).
 */
export async function changePasswordOnWeb(port: number, login: string, current: string, next: string, dir: string): Promise<void> {
  const base = `http://127.0.0.1:${port}`;
  const jar = path.join(dir, `cookies-${login}.txt`);
  const curl = (args: readonly string[]) => mustSucceed(runProcess('curl', ['-sS', '-b', jar, '-c', jar, ...args]));
  const tokenOf = (html: string) => {
    const match = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!match) throw new Error(`no CSRF field in the page:\n${html.slice(0, 500)}`);
    return match[1]!;
  };
  const form = (fields: Record<string, string>) => Object.entries(fields).flatMap(([key, value]) => ['--data-urlencode', `${key}=${value}`]);
  const statusAndLocation = ['-o', '/dev/null', '-w', '%{http_code} %{redirect_url}'];

  const signIn = await curl([`${base}/dang-nhap`]);
  const signedIn = await curl([...statusAndLocation, ...form({ _csrf: tokenOf(signIn.stdout), login, password: current }), `${base}/dang-nhap`]);
  if (signedIn.stdout !== `303 ${base}/doi-mat-khau`) throw new Error(`sign-in with the first password answered "${signedIn.stdout}", not 303 to /doi-mat-khau`);
  const page = await curl([`${base}/doi-mat-khau`]);
  const changed = await curl([...statusAndLocation, ...form({ _csrf: tokenOf(page.stdout), current, new: next, confirm: next }), `${base}/doi-mat-khau`]);
  if (!changed.stdout.startsWith(`303 ${base}/tra-cuu`)) throw new Error(`password change answered "${changed.stdout}", not 303 to /tra-cuu`);
}

