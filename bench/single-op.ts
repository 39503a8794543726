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
 *   final `.` as its own write, as a client streaming the message and ending it does (the SMTP
 *   tests' raw client, test/smtp/raw-client.ts).
 * Each returns the per-operation times; `summarize` gives the median and p90. compareAppendLatency
 * and compareSmtpLatency run them against cantho-mail and a reference server (Dovecot, Postfix)
 * in the same run and print the ratios: `npm run bench -- latency` (bench/latency.ts) calls both,
 * the served benches (`imap --served`, `smtp --served`) call theirs. Nothing here asserts a timing.
 */
import { spawn } from 'node:child_process';
import { RawSmtp } from '../test/smtp/raw-client.js';
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
  const client = await RawSmtp.connect(target.port);
  const expect = async (reply: Promise<string>, code: string): Promise<void> => {
    const text = await reply;
    if (!text.startsWith(code)) throw new Error(`SMTP server answered "${text}", expected ${code}`);
  };
  try {
    await expect(client.hello('bench.example.org'), '250');
    const times: number[] = [];
    for (let n = 0; n < count; n++) {
      const started = performance.now();
      await expect(client.command('MAIL FROM:<daott@example.org>'), '250');
      await expect(client.command(`RCPT TO:<${target.recipient}>`), '250');
      await expect(client.command('DATA'), '354');
      client.write(latencyMessage(n));
      client.write('.\r\n');
      await expect(client.reply(), '250');
      times.push(performance.now() - started);
    }
    await client.quit();
    return times;
  } finally {
    client.destroy();
  }
}

// --- ours against a reference, in the same run ------------------------------------------------

/** Each comparison runs this many times, alternating which server goes first. */
export const LATENCY_ROUNDS = 2;

export interface Contender<T> {
  readonly name: string;
  readonly target: T;
}

/** Runs `measure` on each contender LATENCY_ROUNDS times, alternating who goes first; prints and returns the medians. */
export async function compareLatency<T>(label: string, contenders: readonly Contender<T>[], measure: (target: T) => Promise<number[]>): Promise<number[]> {
  const times = contenders.map((): number[] => []);
  for (let round = 0; round < LATENCY_ROUNDS; round++) {
    const order = round % 2 === 0 ? contenders.map((_, i) => i) : contenders.map((_, i) => contenders.length - 1 - i);
    for (const i of order) times[i]!.push(...(await measure(contenders[i]!.target)));
  }
  const summaries = times.map(summarize);
  contenders.forEach((contender, i) => console.log(`  ${label}, ${contender.name}: ${formatLatency(summaries[i]!)}`));
  if (contenders.length === 2) console.log(`  ${label}, ratio ${contenders[0]!.name} / ${contenders[1]!.name}: ${(summaries[0]!.medianMs / summaries[1]!.medianMs).toFixed(2)}`);
  return summaries.map((s) => s.medianMs);
}

/** APPEND, raw client and imaplib, ours against a reference IMAP server. */
export async function compareAppendLatency(ours: ImapTarget, reference: Contender<ImapTarget> | null, appends: number): Promise<void> {
  const contenders = [{ name: 'cantho-mail', target: ours }, ...(reference ? [reference] : [])];
  await compareLatency('APPEND {n} (raw socket, no TCP_NODELAY)', contenders, (target) => appendLatency(target, appends));
  await compareLatency('APPEND (Python imaplib)', contenders, (target) => imaplibAppendLatency(target, appends));
}

/** One SMTP message at a time in one session, ours against a reference MTA. */
export async function compareSmtpLatency(ours: SmtpTarget, reference: Contender<SmtpTarget> | null, messages: number, oursName = 'cantho-mail'): Promise<void> {
  const contenders = [{ name: oursName, target: ours }, ...(reference ? [reference] : [])];
  await compareLatency('SMTP message, final "." a write of its own (no TCP_NODELAY)', contenders, (target) => smtpLatency(target, messages));
}
