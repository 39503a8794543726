/**
 * One operation at a time, as a mail client or a small MTA does it, from clients that leave
 * Nagle's algorithm on (no TCP_NODELAY): the latency a server adds per APPEND and per SMTP
 * message, the 40 ms delayed-ACK stall included when a server has it (docs/tcp-delayed-ack.md).
 *
 * - appendLatency: our raw client (bench/imap-connection.ts) APPENDs with a synchronising literal
 *   — command, wait for `+`, message, then the closing CRLF as its own write;
 * - imaplibAppendLatency: the same through Python's imaplib, which writes the literal and its
 *   CRLF separately too;
 * - smtpLatency: one session, one message after another: MAIL, RCPT, DATA, the message, then the
 *   final `.` as its own write, as a client streaming the message and ending it does.
 * Each returns the per-operation times; `summarize` gives the median and p90. Called by
 * `npm run bench -- latency` and by the served IMAP/SMTP benches; nothing here asserts a timing.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { ImapConnection } from './imap-connection.js';

export interface ImapTarget {
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

export interface SmtpTarget {
  readonly port: number;
  readonly recipient: string;
}

export interface LatencySummary {
  readonly count: number;
  readonly medianMs: number;
  readonly p90Ms: number;
}

/** The value below which a fraction `q` of `sorted` (ascending) lies. */
export function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

export function summarize(times: readonly number[]): LatencySummary {
  const sorted = [...times].sort((a, b) => a - b);
  return { count: sorted.length, medianMs: percentile(sorted, 0.5), p90Ms: percentile(sorted, 0.9) };
}

export function formatLatency(summary: LatencySummary): string {
  return `${summary.medianMs.toFixed(2)} ms median, ${summary.p90Ms.toFixed(2)} ms p90 (${summary.count} ops)`;
}

/** A small message of about `size` bytes (CRLF line ends). */
export function latencyMessage(n: number, size = 1024): Buffer {
  const head = `From: Tran Thi Dao <daott@example.org>\r\nTo: <annv@cantho.gov.vn>\r\nSubject: Do tre ${n}\r\nMessage-ID: <latency-${n}-${Date.now()}@example.org>\r\nDate: Sat, 28 Nov 2026 08:00:00 +0700\r\n\r\n`;
  const line = 'Kinh gui cac don vi: de nghi bao cao tinh hinh thuc hien ke hoach.\r\n';
  return Buffer.from(head + line.repeat(Math.max(1, Math.round((size - head.length) / line.length))));
}

export async function appendLatency(target: ImapTarget, count: number): Promise<number[]> {
  const client = await ImapConnection.open(target.port);
  try {
    await client.login(target.user, target.password);
    const times: number[] = [];
    for (let n = 0; n < count; n++) {
      const message = latencyMessage(n);
      const started = performance.now();
      await client.append(`A${n}`, 'INBOX', message);
      times.push(performance.now() - started);
    }
    await client.command('Z', 'LOGOUT').catch(() => undefined);
    return times;
  } finally {
    client.close();
  }
}

/** imaplib's APPEND (synchronising literal): one login, `count` APPENDs, each timed in Python. */
const IMAPLIB_APPENDS = `
import imaplib, json, sys, time
host, port, user, password, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
body = sys.stdin.buffer.read()
client = imaplib.IMAP4(host, port)
client.login(user, password)
times = []
for n in range(count):
    started = time.perf_counter()
    kind, _ = client.append('INBOX', None, None, body)
    if kind != 'OK':
        sys.exit('APPEND answered ' + kind)
    times.append((time.perf_counter() - started) * 1000)
client.logout()
print(json.dumps(times))
`;

export function imaplibAppendLatency(target: ImapTarget, count: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const python = spawn('python3', ['-c', IMAPLIB_APPENDS, '127.0.0.1', String(target.port), target.user, target.password, String(count)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    python.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    python.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    python.on('error', reject);
    python.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(stdout) as number[]);
      else reject(new Error(`imaplib APPENDs failed (${code}): ${stderr.trim().split('\n').slice(-2).join(' ')}`));
    });
    python.stdin.end(latencyMessage(0));
  });
}

export async function smtpLatency(target: SmtpTarget, count: number): Promise<number[]> {
  const client = await SmtpConnection.open(target.port);
  try {
    await client.expect('EHLO bench.example.org', '250');
    const times: number[] = [];
    for (let n = 0; n < count; n++) {
      const started = performance.now();
      await client.expect('MAIL FROM:<daott@example.org>', '250');
      await client.expect(`RCPT TO:<${target.recipient}>`, '250');
      await client.expect('DATA', '354');
      client.write(latencyMessage(n));
      client.write('.\r\n');
      await client.reply('250');
      times.push(performance.now() - started);
    }
    client.write('QUIT\r\n');
    return times;
  } finally {
    client.close();
  }
}

/** Replies of an SMTP server, one at a time (the last line of a multi-line reply ends it). */
class SmtpConnection {
  private buffer = '';
  private readonly replies: string[] = [];
  private waiter: (() => void) | null = null;
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let end = this.buffer.indexOf('\r\n'); end !== -1; end = this.buffer.indexOf('\r\n')) {
        const line = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        if (/^\d{3}(?: |$)/.test(line)) this.replies.push(line);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static async open(port: number): Promise<SmtpConnection> {
    const connection = new SmtpConnection(net.connect({ host: '127.0.0.1', port }));
    await connection.reply('220');
    return connection;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  async expect(command: string, code: string): Promise<string> {
    this.write(`${command}\r\n`);
    return this.reply(code);
  }

  /** The next reply; fails the bench when its code is not `code`. */
  async reply(code: string): Promise<string> {
    while (this.replies.length === 0) {
      if (this.closed) throw new Error('SMTP connection closed');
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    const reply = this.replies.shift()!;
    if (!reply.startsWith(code)) throw new Error(`SMTP server answered "${reply}", expected ${code}`);
    return reply;
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }
}
