/**
 * What the hostile tests measure from outside the server process: how long an IMAP NOOP and a
 * `GET /healthz` take while a hostile message is being processed, and SMTP sessions that send a
 * message and wait (long) for the final reply.
 */
import { ImapFlow } from 'imapflow';
import { RawSmtp } from '../smtp/raw-client.js';

export interface Stall {
  /** Slowest round trips seen, in ms. */
  readonly imapNoopMs: number;
  readonly healthzMs: number;
  readonly probes: number;
}

/** Probes IMAP NOOP and /healthz one after the other, every 20 ms, until `work` settles (and once after). */
export async function probeWhile<T>(imap: ImapFlow, httpPort: number, work: Promise<T>): Promise<{ result: T; stall: Stall }> {
  let done = false;
  let imapNoopMs = 0;
  let healthzMs = 0;
  let probes = 0;
  const probe = async () => {
    let started = performance.now();
    await imap.noop();
    imapNoopMs = Math.max(imapNoopMs, performance.now() - started);
    started = performance.now();
    const response = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
    await response.arrayBuffer();
    healthzMs = Math.max(healthzMs, performance.now() - started);
    probes++;
  };
  const loop = (async () => {
    while (!done) {
      await probe();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await probe();
  })();
  try {
    return { result: await work, stall: { imapNoopMs: round(imapNoopMs), healthzMs: round(healthzMs), probes } };
  } finally {
    done = true;
    await loop;
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export interface Sent {
  readonly reply: string;
  /** From the end of DATA to the final reply, in ms. */
  readonly replyMs: number;
}

/** One MX session: `message` to `rcpt`; the final reply is awaited up to `timeoutMs`. */
export async function sendToMx(port: number, rcpt: string, message: string | Buffer, timeoutMs = 120_000): Promise<Sent> {
  const client = await RawSmtp.connect(port);
  try {
    // Every step waits as long as the final reply may: with dozens of sessions pushing 25 MB each
    // on two cores, a short command's reply can take seconds, and that is not what is measured.
    await client.hello(undefined, timeoutMs);
    await client.command('MAIL FROM:<sender@example.org>', timeoutMs);
    const rcptReply = await client.command(`RCPT TO:<${rcpt}>`, timeoutMs);
    if (!rcptReply.startsWith('250')) throw new Error(`RCPT answered ${rcptReply}`);
    const data = await client.command('DATA', timeoutMs);
    if (!data.startsWith('354')) return { reply: data, replyMs: 0 };
    client.write(message);
    client.write('\r\n.\r\n');
    const started = performance.now();
    const reply = await client.reply(timeoutMs);
    const replyMs = Math.round(performance.now() - started);
    await client.quit().catch(() => undefined);
    return { reply, replyMs };
  } finally {
    client.destroy();
  }
}
