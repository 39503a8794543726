import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANNV, imapflow, loggedIn, message, startImapTestServer, type ImapTestServer } from './support.js';

/**
 * APPEND literals past `[limits] spool_threshold` arrive in a spool file, not in memory
 * (docs/architecture.md invariant 2): nothing is reserved while they arrive, the file goes on
 * every path, and a message is read back (and its octets reserved) only to be stored.
 */
let server: ImapTestServer;
const MESSAGE_SIZE = 600_000;

beforeAll(async () => {
  // Ten 600 KB messages together are past a 2 MB ceiling; each one alone is well within it.
  server = await startImapTestServer({ limits: { spool_threshold: '64KB', memory_ceiling: '2MB' } });
});
afterAll(async () => {
  await server?.close();
});

const spoolFiles = (): string[] => readdirSync(server.context.spool.dir);
const inboxCount = async (): Promise<number> => (await server.store.mailboxCounts((await server.store.getMailbox(ANNV, 'INBOX'))!.id)).messages;

async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  if (!(await check())) throw new Error(`still not: ${what}`);
}

function bigMessage(subject: string): Buffer {
  const head = message(subject, '');
  return Buffer.concat([head, Buffer.alloc(MESSAGE_SIZE - head.length - 2, 0x61), Buffer.from('\r\n')]);
}

describe('APPEND literals past spool_threshold', () => {
  it('a client gone in the middle of the literal leaves no spool file, nothing stored, nothing reserved', async () => {
    const before = await inboxCount();
    const client = await loggedIn(server);
    client.send(`D1 APPEND INBOX {${MESSAGE_SIZE}}\r\n`);
    expect(await client.readLine()).toBe('+ Ready for literal data');
    client.send(bigMessage('Bỏ dở').subarray(0, MESSAGE_SIZE / 2));
    await eventually(() => spoolFiles().length === 1, 'the literal is being spooled');
    expect(server.context.memory.inUse).toBe(0);
    client.socket.destroy();
    await eventually(() => spoolFiles().length === 0, 'the spool file is removed');
    expect(await inboxCount()).toBe(before);
    expect(server.context.memory.inUse).toBe(0);
  });

  it('ten concurrent big APPENDs reserve nothing while they arrive and never pass the ceiling when stored', { timeout: 180_000 }, async () => {
    const memory = server.context.memory;
    let peak = 0;
    const reserve = memory.reserve.bind(memory);
    memory.reserve = (bytes) => {
      const held = reserve(bytes);
      peak = Math.max(peak, memory.inUse);
      return held;
    };
    const before = await inboxCount();
    try {
      const clients = await Promise.all(Array.from({ length: 10 }, () => loggedIn(server)));
      const bodies = clients.map((_, i) => bigMessage(`Song song ${i}`));
      await Promise.all(
        clients.map(async (client, i) => {
          client.send(`C${i} APPEND INBOX {${MESSAGE_SIZE}}\r\n`);
          expect(await client.readLine()).toBe('+ Ready for literal data');
          client.send(bodies[i]!.subarray(0, MESSAGE_SIZE - 10));
        }),
      );
      // All ten are arriving (six megabytes, three times the ceiling): on disk, none of it reserved.
      await eventually(() => spoolFiles().length === 10, 'ten literals being spooled');
      expect(memory.inUse).toBe(0);
      const replies = await Promise.all(
        clients.map(async (client, i) => {
          client.send(Buffer.concat([bodies[i]!.subarray(MESSAGE_SIZE - 10), Buffer.from('\r\n')]));
          // Generous: ten analyses queue for the worker pool on a loaded machine; nothing here is timed.
          return (await client.until((line) => line.startsWith(`C${i} `), 120_000))[0]!;
        }),
      );
      for (const reply of replies) expect(reply).toMatch(/^C\d OK \[APPENDUID \d+ \d+\] APPEND completed$|^C\d NO \[INUSE\] /);
      const stored = replies.filter((reply) => reply.includes(' OK ')).length;
      expect(stored).toBeGreaterThan(0);
      expect(await inboxCount()).toBe(before + stored);
      expect(peak).toBeLessThanOrEqual(memory.ceiling);
      for (const client of clients) client.close();
    } finally {
      memory.reserve = reserve;
    }
    expect(memory.inUse).toBe(0);
    // Removed just after the tagged answer is written (session.ts), so the test waits a moment for it.
    await eventually(() => spoolFiles().length === 0, 'the spool files are removed');
  });

  it('imapflow appends a big message that comes back byte for byte', async () => {
    const client = imapflow(server);
    await client.connect();
    const raw = bigMessage('Qua imapflow');
    const result = await client.append('Archive', raw, ['\\Seen']);
    expect(result).toMatchObject({ destination: 'Archive' });
    await client.mailboxOpen('Archive');
    const fetched = await client.fetchOne(String(result && result.uid), { source: true }, { uid: true });
    expect(fetched && fetched.source && Buffer.compare(fetched.source, raw)).toBe(0);
    await client.logout();
    // Removed just after the tagged answer is written (session.ts), so the test waits a moment for it.
    await eventually(() => spoolFiles().length === 0, 'the spool files are removed');
    expect(server.context.memory.inUse).toBe(0);
  });

  it('a spooled message past a [limits] shape limit is refused from its file, and the file goes', async () => {
    const client = await loggedIn(server);
    const fields = Array.from({ length: 30 }, (_, i) => `X-Field-${i}: ${'w'.repeat(40_000)}\r\n`).join('');
    const raw = Buffer.concat([Buffer.from(fields), message('Trường dài')]);
    client.send(Buffer.concat([Buffer.from(`L1 APPEND INBOX {${raw.length}+}\r\n`), raw, Buffer.from('\r\n')]));
    expect(await client.readLine()).toMatch(/^L1 NO \[LIMIT\] Message header exceeds \d+ bytes$/);
    // Removed just after the tagged answer is written (session.ts), so the test waits a moment for it.
    await eventually(() => spoolFiles().length === 0, 'the spool files are removed');
    expect(server.context.memory.inUse).toBe(0);
    client.close();
  });
});
