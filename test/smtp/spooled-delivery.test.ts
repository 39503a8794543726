import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EICAR, startClamd, type RunningClamd } from '../helpers/clamd.js';
import { ANNV, numberedBody as body, startHarness, waitFor, type Harness } from './harness.js';
import { sendOneMessage } from './raw-client.js';

/**
 * A message over `[limits] spool_threshold` on the MX stays in its spool file until it is stored
 * (DESIGN.md "Config" [limits]): clamd reads it streamed from the file, a worker analyses it from
 * the file, the store copies it in a piece at a time, and only the worker's copies are reserved
 * from `memory_ceiling`, for the worker job's length: 3 MB × 3 fit in the ceiling here (10 MB)
 * with the main thread's share of the message, nothing.
 */
let h: Harness;
let clamd: RunningClamd;
const THRESHOLD = 64 * 1024;
const MESSAGE_BYTES = 3 * 1024 * 1024;

beforeAll(async () => {
  clamd = await startClamd();
  h = await startHarness({
    config: {
      smtp: { max_message_size: '4MB' },
      limits: { spool_threshold: THRESHOLD, memory_ceiling: 10 * 1024 * 1024 },
      clamav: { enabled: true, socket: clamd.socket, timeout: '30s' },
    },
  });
});
afterAll(async () => {
  await h?.close();
  await clamd?.stop();
});

function spoolFiles(): string[] {
  return readdirSync(h.ctx.spool.dir);
}

/** Sends one message to annv on the MX and returns the reply to the final dot. */
const send = (message: string): Promise<string> => sendOneMessage(h.mx, message, { timeoutMs: 180_000 });

describe('a spooled message on the MX', () => {
  test('is scanned, analysed and stored from its file, byte for byte', async () => {
    const before = (await h.messages(ANNV)).length;
    const text = body(MESSAGE_BYTES);
    const reply = await send(`From: <sender@example.org>\r\nSubject: spooled delivery\r\nMessage-ID: <spooled@example.org>\r\n\r\n${text}`);
    expect(reply).toMatch(/^250 2\.6\.0 /);
    const stored = await h.messages(ANNV);
    // The blob is filed under the SHA-256 of the stored copy, hashed by a worker from the file (src/store single-instance blobs).
    expect(reply).toContain(`(${createHash('sha256').update(stored.at(-1)!).digest('hex').slice(0, 12)})`);
    expect(stored).toHaveLength(before + 1);
    const copy = stored.at(-1)!.toString('latin1');
    expect(copy.endsWith(`\r\n\r\n${text}`)).toBe(true);
    // Our fields on top: clamd's verdict and the trace, as for a message held in memory.
    expect(copy.slice(0, copy.indexOf('\r\n\r\n'))).toMatch(/^X-Virus-Status: Clean\r\n/m);
    expect(copy).toMatch(/^Received: from /m);
    expect(copy).toMatch(/^Authentication-Results: /m);
    // The analysis stored with it is the stored copy's: FETCH answers from it (DESIGN.md "Messages").
    const mailbox = (await h.ctx.store.getMailbox(ANNV, 'INBOX'))!;
    const row = (await h.ctx.store.listMessages(mailbox.id)).at(-1)!;
    expect(row.size).toBe(stored.at(-1)!.length);
    expect(spoolFiles()).toEqual([]);
    expect(h.ctx.memory.inUse).toBe(0);
  }, 240_000);

  test('a virus at the end of the file is found by the streamed scan: 554, nothing stored, no file left', async () => {
    const before = (await h.messages(ANNV)).length;
    expect(await send(`From: <sender@example.org>\r\nSubject: late virus\r\n\r\n${body(MESSAGE_BYTES)}${EICAR}\r\n`)).toBe(
      '554 5.7.1 Message contains a virus (Test.EICAR.UNOFFICIAL)',
    );
    expect(await h.messages(ANNV)).toHaveLength(before);
    await waitFor(() => spoolFiles().length === 0, 30_000);
    expect(h.ctx.memory.inUse).toBe(0);
  }, 240_000);

  test('forged Authentication-Results of ours are left out of the stored copy, read around in the file', async () => {
    const forged = `Authentication-Results: ${h.ctx.config.server.hostname}; dkim=pass header.d=cantho.gov.vn\r\n`;
    const text = body(MESSAGE_BYTES);
    expect(await send(`From: <sender@example.org>\r\n${forged}Subject: forged results\r\n\r\n${text}`)).toMatch(/^250 2\.6\.0 /);
    const copy = (await h.messages(ANNV)).at(-1)!.toString('latin1');
    expect(copy).not.toContain('dkim=pass header.d=cantho.gov.vn');
    expect(copy).toContain('\r\nFrom: <sender@example.org>\r\nSubject: forged results\r\n\r\n');
    expect(copy.endsWith(text)).toBe(true);
    expect(spoolFiles()).toEqual([]);
  }, 240_000);
});
