import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MessageSpool } from '../../src/limits/index.js';
import { ANNV, numberedBody as body, startHarness, waitFor, type Harness } from './harness.js';
import { RawSmtp } from './raw-client.js';

/**
 * `[limits] spool_threshold` (DESIGN.md "Config" [limits]): a message body past it waits in a file
 * under data_dir/spool while it arrives, counted nowhere in `memory_ceiling`, and the file is gone
 * on every path: delivered, refused, client gone mid-DATA, and after a crash (at start).
 */
let h: Harness;
const THRESHOLD = 64 * 1024;

beforeAll(async () => {
  h = await startHarness({ config: { smtp: { max_message_size: '4MB' }, limits: { spool_threshold: THRESHOLD, memory_ceiling: '16MB' } } });
});
afterAll(() => h.close());

function spoolFiles(): string[] {
  return readdirSync(h.ctx.spool.dir);
}

async function openData(): Promise<RawSmtp> {
  const client = await RawSmtp.connect(h.mx);
  await client.hello();
  expect(await client.command('MAIL FROM:<sender@example.org>')).toBe('250 2.1.0 Accepted');
  expect(await client.command('RCPT TO:<annv@cantho.gov.vn>')).toBe('250 2.1.5 Accepted');
  expect(await client.command('DATA')).toBe('354 End data with <CR><LF>.<CR><LF>');
  return client;
}

describe('spooling large message bodies', () => {
  test('a message over the threshold waits on disk, not in memory, and is delivered byte for byte', async () => {
    const before = (await h.messages(ANNV)).length;
    const text = body(1024 * 1024);
    const client = await openData();
    client.write(`Subject: spooled\r\n\r\n${text.slice(0, 512 * 1024)}`);
    // Half of it has arrived: it is in a spool file, and no memory is reserved for it.
    await waitFor(() => spoolFiles().length === 1 && h.ctx.memory.inUse === 0, 60_000);
    client.write(text.slice(512 * 1024));
    expect(await client.command('.', 120_000)).toMatch(/^250 2\.6\.0 /);
    await client.quit();
    const stored = await h.messages(ANNV);
    expect(stored).toHaveLength(before + 1);
    expect(stored.at(-1)!.toString('latin1').endsWith(`\r\n\r\n${text}`)).toBe(true);
    expect(spoolFiles()).toEqual([]);
    expect(h.ctx.memory.inUse).toBe(0);
  }, 180_000);

  test('a spooled message refused at its end (bare LF) leaves no file, and the session goes on', async () => {
    const before = (await h.messages(ANNV)).length;
    const client = await openData();
    client.write(`Subject: refused\r\n\r\n${body(256 * 1024)}smuggled\nQUIT`);
    expect(await client.command('\r\n.', 120_000)).toBe('554 5.6.0 Message refused: bare <CR> or <LF> in DATA (RFC 5321 section 2.3.8)');
    expect(await client.command('NOOP')).toBe('250 2.0.0 OK');
    await client.quit();
    expect(await h.messages(ANNV)).toHaveLength(before);
    expect(spoolFiles()).toEqual([]);
  }, 180_000);

  test('a client that goes away mid-DATA leaves no file and no reservation', async () => {
    const before = (await h.messages(ANNV)).length;
    const client = await openData();
    client.write(`Subject: dropped\r\n\r\n${body(512 * 1024)}`);
    await waitFor(() => spoolFiles().length === 1 && h.ctx.memory.inUse === 0, 60_000);
    client.destroy();
    await waitFor(() => spoolFiles().length === 0, 60_000);
    expect(h.ctx.memory.inUse).toBe(0);
    expect(await h.messages(ANNV)).toHaveLength(before);
  }, 180_000);

  test('a message under the threshold never touches the spool', async () => {
    const client = await openData();
    client.write(`Subject: small\r\n\r\n${body(16 * 1024)}`);
    expect(await client.command('.', 60_000)).toMatch(/^250 2\.6\.0 /);
    await client.quit();
    expect(spoolFiles()).toEqual([]);
  });

  test('files a crash left in the spool are removed when the server starts', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cm-spool-'));
    try {
      const first = MessageSpool.open(dataDir, THRESHOLD);
      writeFileSync(path.join(first.dir, 'left-by-a-crash.eml'), 'Subject: half a message\r\n\r\n');
      const second = MessageSpool.open(dataDir, THRESHOLD);
      expect(readdirSync(second.dir)).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
