/**
 * `npm run bench -- imap [--messages N] [--connections C] [--compare]`
 *
 * (a) N messages (default 10,000, about 3–7 KB, a third of them multipart with an attachment) in
 *     INBOX: time for `UID FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE)` over a socket,
 *     median of 3 runs.
 * (b) C (default 1,000) concurrent logged-in connections in IDLE on INBOX: the server's memory
 *     growth divided by C. The server runs in a child process (`cantho-mail serve`, as users start
 *     it); memory is the proportional set size (PSS) of its process tree, so it compares with
 *     Dovecot's many processes without counting shared pages twice.
 * (c) --compare: the same against Dovecot from Debian (`dovecot-imapd`): its own config in a temp
 *     directory, a loopback port, passwd-file auth, maildir, the same messages appended over IMAP;
 *     then the ratios.
 *
 * Our store is filled with store.deliver (group commit) before the server starts, as the fastest
 * way to a full mailbox; nothing here asserts timings.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../src/config/index.js';
import { addPerson, addUnit } from '../src/directory/index.js';
import { startServer } from '../src/server.js';
import { asAccountId } from '../src/store/types.js';

const PASSWORD = 'Mật-khẩu-đo-1234';
const FETCH_COMMAND = 'UID FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE)';
const RUNS = 3;

interface RunningImap {
  readonly name: string;
  readonly port: number;
  readonly user: string;
  /** Root of the server's process tree. */
  readonly pid: number;
  stop(): Promise<void>;
}

// --- the messages ----------------------------------------------------------------------------

/** Message n: plain text, or (every third) multipart/mixed with text, HTML and a small PDF. */
function benchMessage(n: number): Buffer {
  const header = [
    `From: =?utf-8?B?${Buffer.from(`Trần Thị Đào ${n % 97}`).toString('base64')}?= <daott${n % 97}@cantho.gov.vn>`,
    'To: Nguyễn Văn An <annv@cantho.gov.vn>',
    n % 5 === 0 ? 'Cc: Văn phòng <vpubnd@cantho.gov.vn>, Sở TT&TT <sotttt@cantho.gov.vn>' : null,
    `Subject: =?utf-8?B?${Buffer.from(`Báo cáo tình hình số ${n}`).toString('base64')}?=`,
    `Message-ID: <bench-${n}@cantho.gov.vn>`,
    `Date: Sat, ${1 + (n % 28)} Nov 2026 08:${String(n % 60).padStart(2, '0')}:00 +0700`,
    'MIME-Version: 1.0',
  ].filter((line) => line !== null);
  const text = 'Kính gửi các đơn vị: đề nghị báo cáo tình hình thực hiện kế hoạch năm 2026.\r\n'.repeat(20 + (n % 40));
  if (n % 3 !== 0) {
    return Buffer.from([...header, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', text].join('\r\n'));
  }
  const boundary = `b${n}`;
  return Buffer.from(
    [
      ...header,
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: multipart/alternative; boundary="alt"',
      '',
      '--alt',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      text,
      '--alt',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      `<p>${text}</p>`,
      '--alt--',
      `--${boundary}`,
      `Content-Type: application/pdf; name="bao-cao-${n}.pdf"`,
      `Content-Disposition: attachment; filename="bao-cao-${n}.pdf"`,
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.alloc(600, n % 256).toString('base64').replace(/.{76}/g, '$&\r\n'),
      `--${boundary}--`,
      '',
    ].join('\r\n'),
  );
}

// --- a minimal client ------------------------------------------------------------------------

/** A raw IMAP connection that waits for tagged replies and counts what it received. */
class Connection {
  private tail = '';
  private waiting: { pattern: RegExp; resolve: () => void; reject: (err: Error) => void } | null = null;
  received = 0;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.received += chunk.length;
      // Only the tail can hold the reply waited for; keeping it short makes a 10 MB FETCH cost nothing here.
      this.tail = (this.tail + chunk).slice(-1024);
      this.check();
    });
    socket.on('close', () => this.waiting?.reject(new Error('connection closed')));
    socket.on('error', () => undefined);
  }

  static async open(port: number): Promise<Connection> {
    const socket = net.connect({ host: '127.0.0.1', port });
    const connection = new Connection(socket);
    await connection.wait(/^\* OK/m);
    return connection;
  }

  /** Resolves when the tail matches; a tagged NO or BAD rejects (see `tagged`). */
  wait(pattern: RegExp): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting = { pattern, resolve, reject };
      this.check();
    });
  }

  /** Waits for `tag OK`; `tag NO`/`tag BAD` fail the bench with the server's words. */
  async tagged(tag: string): Promise<void> {
    await this.wait(new RegExp(`(^|\\n)${tag} (OK|NO|BAD)[^\\r]*\\r\\n`));
  }

  async command(tag: string, text: string): Promise<void> {
    this.socket.write(`${tag} ${text}\r\n`);
    await this.tagged(tag);
  }

  async login(user: string): Promise<void> {
    this.socket.write(Buffer.concat([Buffer.from(`L LOGIN "${user}" {${Buffer.byteLength(PASSWORD)}+}\r\n`), Buffer.from(PASSWORD), Buffer.from('\r\n')]));
    await this.tagged('L');
  }

  close(): void {
    this.socket.destroy();
  }

  private check(): void {
    if (!this.waiting) return;
    const match = this.waiting.pattern.exec(this.tail);
    if (!match) return;
    const { resolve, reject } = this.waiting;
    this.waiting = null;
    const line = this.tail.slice(match.index).trim();
    this.tail = '';
    if (match[2] && match[2] !== 'OK') reject(new Error(`server answered: ${line}`));
    else resolve();
  }
}

// --- measurements ----------------------------------------------------------------------------

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function measureFetch(server: RunningImap): Promise<{ ms: number; runs: number[]; bytes: number }> {
  const client = await Connection.open(server.port);
  await client.login(server.user);
  await client.command('S', 'SELECT INBOX');
  const runs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS; i++) {
    client.received = 0;
    const started = performance.now();
    await client.command(`F${i}`, FETCH_COMMAND);
    runs.push(performance.now() - started);
    bytes = client.received;
  }
  client.close();
  return { ms: median(runs), runs, bytes };
}

/** PSS (or RSS) in KiB summed over the process and all its descendants. */
function treeMemoryKiB(root: number): { pss: number; rss: number } {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  let pss = 0;
  let rss = 0;
  const visit = (pid: number): void => {
    try {
      const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
      rss += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    } catch {
      // Gone, or a kernel thread.
    }
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return { pss, rss };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measureIdleMemory(server: RunningImap, count: number): Promise<{ perConnectionKiB: number; rssPerConnectionKiB: number; beforeKiB: number; afterKiB: number }> {
  await pause(1000);
  const before = treeMemoryKiB(server.pid);
  const connections: Connection[] = [];
  const BATCH = 50;
  for (let opened = 0; opened < count; opened += BATCH) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(BATCH, count - opened) }, async () => {
        const client = await Connection.open(server.port);
        await client.login(server.user);
        await client.command('S', 'SELECT INBOX');
        client.socket.write('I IDLE\r\n');
        await client.wait(/^\+ /m);
        return client;
      }),
    );
    connections.push(...batch);
  }
  await pause(2000);
  const after = treeMemoryKiB(server.pid);
  for (const client of connections) client.close();
  return {
    perConnectionKiB: (after.pss - before.pss) / count,
    rssPerConnectionKiB: (after.rss - before.rss) / count,
    beforeKiB: before.pss,
    afterKiB: after.pss,
  };
}

// --- our server ------------------------------------------------------------------------------

async function startOurs(dir: string, messages: readonly Buffer[], connections: number): Promise<RunningImap> {
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const configFile = path.join(dir, 'cantho-mail.toml');
  fs.writeFileSync(
    configFile,
    [
      '[server]',
      `data_dir = ${JSON.stringify(path.join(dir, 'data'))}`,
      'log_level = "warn"',
      '[smtp]',
      'mx = ""',
      'submission = ""',
      'submissions = ""',
      '[imap]',
      `listen = "127.0.0.1:${port}"`,
      'tls_listen = ""',
      'allow_plaintext_auth = true',
      `max_connections_per_user = ${connections + 10}`,
      '[http]',
      'listen = ""',
      '[clamav]',
      'enabled = false',
      '[policy]',
      'require_password_change = false',
      '[spam]',
      `rules = ${JSON.stringify(path.resolve('config/spam-rules.toml'))}`,
      '',
    ].join('\n'),
  );
  const config = loadConfig(configFile);

  // Set-up in this process: the directory's own code creates the official, the store takes the mail.
  const setup = await startServer(config, { logger: pino({ level: 'silent' }) });
  const request = { actor: 'cli:bench', doc: 'BENCH/2026' };
  const directory = setup.context.directory as unknown as { context: Parameters<typeof addUnit>[0] };
  addUnit(directory.context, { localPart: 'vpbench', name: 'Văn phòng đo' }, request);
  const issued = await addPerson(directory.context, { name: 'Nguyễn Văn An', unit: 'vpbench', password: PASSWORD }, request);
  const account = asAccountId(issued.person.address);
  const store = setup.context.store;
  store.ensureAccount(account);
  let next = 0;
  const deliverNext = async (): Promise<void> => {
    while (next < messages.length) await store.deliver([{ account, folder: 'INBOX' }], messages[next++]!);
  };
  await Promise.all(Array.from({ length: 64 }, deliverNext));
  await setup.close();

  const child = spawn(process.execPath, [path.resolve('bin/cantho-mail.mjs'), 'serve', '--config', configFile], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitForGreeting(port, child);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { name: 'cantho-mail', port, user: issued.person.address, pid: child.pid!, stop: () => stopChild(child) };
}

/** Polls until the server greets on `port`; fails if the child exits first or after 60 s. */
async function waitForGreeting(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      (await Connection.open(port)).close();
      return;
    } catch (err) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server on port ${port} did not start: ${String(err)}`);
      await pause(100);
    }
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, pause(10_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

// --- Dovecot ---------------------------------------------------------------------------------

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startDovecot(dir: string, messages: readonly Buffer[], connections: number): Promise<RunningImap> {
  const binary = ['/usr/sbin/dovecot', '/usr/bin/dovecot'].find((file) => fs.existsSync(file));
  if (!binary) throw new Error('dovecot is not installed (apt-get install dovecot-imapd)');
  const port = await freePort();
  const user = 'annv';
  for (const sub of ['run', 'home', 'log']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  // Dovecot will not serve mail as root: as root, the mail belongs to nobody.
  const home = path.join(dir, 'home', user);
  fs.mkdirSync(home);
  let { uid, gid } = os.userInfo();
  if (uid === 0) {
    [uid, gid] = [65534, 65534];
    fs.chownSync(home, uid, gid);
  }
  fs.writeFileSync(path.join(dir, 'passwd'), `${user}:{PLAIN}${PASSWORD}:${uid}:${gid}::${home}\n`);
  const configFile = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(
    configFile,
    `
base_dir = ${path.join(dir, 'run')}
state_dir = ${path.join(dir, 'run')}
log_path = ${path.join(dir, 'log', 'dovecot.log')}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:~/Maildir
mail_max_userip_connections = ${connections + 10}
default_process_limit = ${connections + 100}
default_client_limit = ${connections * 2 + 100}
passdb {
  driver = passwd-file
  args = ${path.join(dir, 'passwd')}
}
userdb {
  driver = passwd-file
  args = ${path.join(dir, 'passwd')}
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  client_limit = ${connections * 3 + 100}
}
`,
  );
  const child = spawn(binary, ['-F', '-c', configFile], { stdio: 'ignore' });
  try {
    await waitForGreeting(port, child);
    await appendAll(port, user, messages);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { name: 'dovecot', port, user, pid: child.pid!, stop: () => stopChild(child) };
}

/** The same messages, appended with LITERAL+ and pipelined in windows. */
async function appendAll(port: number, user: string, messages: readonly Buffer[]): Promise<void> {
  const client = await Connection.open(port);
  await client.login(user);
  const WINDOW = 200;
  for (let first = 0; first < messages.length; first += WINDOW) {
    const window = messages.slice(first, first + WINDOW);
    const chunks: Buffer[] = [];
    window.forEach((raw, i) => chunks.push(Buffer.from(`A${first + i} APPEND INBOX {${raw.length}+}\r\n`), raw, Buffer.from('\r\n')));
    client.socket.write(Buffer.concat(chunks));
    await client.tagged(`A${first + window.length - 1}`);
  }
  client.close();
}

// --- the run ---------------------------------------------------------------------------------

async function measure(server: RunningImap, connections: number) {
  const fetch = await measureFetch(server);
  console.log(
    `  ${server.name}: (a) ${FETCH_COMMAND}: median ${fetch.ms.toFixed(0)} ms (runs ${fetch.runs.map((ms) => ms.toFixed(0)).join(', ')} ms; ${(fetch.bytes / 1e6).toFixed(1)} MB)`,
  );
  const memory = await measureIdleMemory(server, connections);
  console.log(
    `  ${server.name}: (b) ${connections} IDLE connections: ${memory.perConnectionKiB.toFixed(1)} KiB PSS per connection ` +
      `(RSS ${memory.rssPerConnectionKiB.toFixed(1)} KiB; tree ${(memory.beforeKiB / 1024).toFixed(0)} → ${(memory.afterKiB / 1024).toFixed(0)} MiB)`,
  );
  return { fetchMs: fetch.ms, perConnectionKiB: memory.perConnectionKiB };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      messages: { type: 'string', default: '10000' },
      connections: { type: 'string', default: '1000' },
      compare: { type: 'boolean', default: false },
    },
  });
  const count = Number(values.messages);
  const connections = Number(values.connections);
  const messages = Array.from({ length: count }, (_, n) => benchMessage(n));
  const totalMB = messages.reduce((sum, m) => sum + m.length, 0) / 1e6;
  console.log(`imap: ${count} messages (${totalMB.toFixed(1)} MB) in INBOX, ${connections} IDLE connections`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-bench-imap-'));
  // Dovecot's auth process runs as its own user and must reach the passwd file inside.
  fs.chmodSync(dir, 0o755);
  const running: RunningImap[] = [];
  try {
    const ours = await startOurs(path.join(dir, 'ours'), messages, connections);
    running.push(ours);
    const ourFigures = await measure(ours, connections);
    await ours.stop();
    if (!values.compare) return;

    const dovecotDir = path.join(dir, 'dovecot');
    fs.mkdirSync(dovecotDir);
    const dovecot = await startDovecot(dovecotDir, messages, connections);
    running.push(dovecot);
    const theirs = await measure(dovecot, connections);
    await dovecot.stop();
    console.log(
      `  ratio cantho-mail / dovecot: (a) time ${(ourFigures.fetchMs / theirs.fetchMs).toFixed(2)}, (b) memory per connection ${(ourFigures.perConnectionKiB / theirs.perConnectionKiB).toFixed(2)}`,
    );
  } finally {
    for (const server of running) await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
