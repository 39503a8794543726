import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectImapflow } from '../interop/imapflow-client.js';
import { startReadmeServer, type Official, type ReadmeServer } from '../interop/readme-server.js';
import { MB, inMb, rawLogin, residentBytes, settledRss, sizedMessage, startRelaySink, submissionTransport, type RelaySink } from './support.js';

/**
 * Big messages leaving through the outbound queue, against `cantho-mail serve` in its own
 * process with a smarthost on loopback (`smtp.relay`). COUNT messages of 20 MB wait in the queue
 * while the smarthost answers 451, then all go at once when it opens (the worker sends up to 8 at
 * a time): each is sent as a stream read from the queue a chunk at a time, so the server's RSS
 * during the relay grows by a small part of one message, not by COUNT of them as it did when the
 * worker read each message whole. One recipient is refused for good: its DSN returns the
 * original's header block only (RFC 3462 §2, text/rfc822-headers), read without the body.
 */
const MESSAGE_BYTES = 20 * MB;
const COUNT = 4;
/**
 * Generous: three quarters of the COUNT messages together, as what the streams read is collected
 * as garbage some time after it was sent. Measured here with 3 messages: +0 to +32 MB streamed,
 * against +86 MB when the worker read each message whole.
 */
const RELAY_GROWTH_BOUND = (COUNT * MESSAGE_BYTES * 3) / 4;

let server: ReadmeServer;
let official: Official;
let smarthost: RelaySink;
let open = false;

beforeAll(async () => {
  smarthost = await startRelaySink((address) => {
    if (!open) return Object.assign(new Error('4.3.2 not yet'), { responseCode: 451 });
    if (address.address.startsWith('reject')) return Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 });
    return undefined;
  });
  server = await startReadmeServer({ relayPort: smarthost.port, passwordChange: 'config', config: { smtp: { queue_retry_base: '1s' } } });
  official = await server.addOfficial('Nguyễn Văn An');
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await smarthost?.close();
});

function messageFrom(official: Official, subject: string): Buffer {
  return Buffer.from(sizedMessage(MESSAGE_BYTES, subject).toString('latin1').replace('From: daott@', `From: ${official.address.split('@')[0]}@`), 'latin1');
}

describe('big messages leave the queue as streams', () => {
  test(`${COUNT} × 20 MB relayed at once: byte-identical, RSS growth well under the messages; a DSN carries the header block only`, async () => {
    (await rawLogin(server, official)).close();
    const pid = server.pid()!;
    const idle = residentBytes(pid);
    const transport = submissionTransport(server, official);
    const messages = Array.from({ length: COUNT }, (_, i) => messageFrom(official, `Ho so lon ${i}`));
    for (const [i, message] of messages.entries()) {
      const to = i === 0 ? ['friend0@example.org', 'reject@example.org'] : [`friend${i}@example.org`];
      const info = await transport.sendMail({ envelope: { from: official.address, to }, raw: message });
      expect(info.response).toMatch(/^250 /);
    }
    transport.close();
    const queued = JSON.parse((await server.cli(['queue', 'list', '--json'])).stdout) as Array<{ id: number }>;
    expect(queued).toHaveLength(COUNT);

    // What submission took is given back first (src/limits/memory-return.ts), so that the relay's
    // own growth shows rather than hiding in memory the allocator still holds.
    const before = await settledRss(pid, idle * 1.2, 90_000);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, residentBytes(pid))), 50);
    try {
      open = true;
      // Due now rather than at their backoff; one may already have left on its own retry (then: no such message).
      await Promise.all(queued.map(({ id }) => server.cli(['queue', 'retry', String(id)])));
      for (let tries = 0; smarthost.relayed.length < COUNT; tries++) {
        if (tries > 1500) throw new Error(`relayed ${smarthost.relayed.length} of ${COUNT}:\n${server.log()}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      clearInterval(sampler);
    }
    console.log(`${COUNT} × 20 MB relayed from the queue: RSS idle ${inMb(idle)}, before ${inMb(before)}, peak ${inMb(peak)} (+${inMb(peak - before)}; bound +${inMb(RELAY_GROWTH_BOUND)})`);
    expect(peak - before).toBeLessThan(RELAY_GROWTH_BOUND);

    for (const [i, message] of messages.entries()) {
      const sent = smarthost.relayed.find((r) => r.to.includes(`friend${i}@example.org`))!;
      // Our fields (Received, DKIM when configured) on top, then the submitted bytes untouched.
      expect(sent.raw.length).toBeGreaterThan(message.length);
      expect(sent.raw.subarray(sent.raw.length - message.length).equals(message)).toBe(true);
    }
    expect(smarthost.relayed.flatMap((r) => r.to)).not.toContain('reject@example.org');

    const imap = await connectImapflow(server.ports.imap, official);
    try {
      await imap.client.mailboxOpen('INBOX');
      let dsn: Buffer | undefined;
      for (let tries = 0; !dsn; tries++) {
        if (tries > 300) throw new Error(`no DSN:\n${server.log()}`);
        for await (const m of imap.client.fetch('1:*', { source: true })) if (m.source?.includes('report-type=delivery-status')) dsn = m.source;
        if (!dsn) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const text = dsn.toString('latin1');
      expect(text).toMatch(/Final-Recipient: rfc822; reject@example\.org\r\nAction: failed\r\nStatus: 5\.1\.1\r\n/);
      expect(text).toContain('Content-Type: text/rfc822-headers\r\n\r\n');
      expect(text).toContain('Subject: Ho so lon 0\r\n');
      expect(text).not.toContain('Bao cao so lieu');
      expect(dsn.length).toBeLessThan(64 * 1024);
    } finally {
      await imap.client.logout();
    }
  }, 900_000);
});
