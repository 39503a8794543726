import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_APPEND_MESSAGES } from '../../src/imap/parser.js';
import { ANNV, loggedIn, message, startImapTestServer, type ImapTestServer, type RawClient } from './support.js';

let server: ImapTestServer;

beforeAll(async () => {
  // A message past 2 KB is spooled, one past 64 KB is refused, one with more than 20 header lines is refused.
  server = await startImapTestServer({ smtp: { max_message_size: '64KB' }, limits: { spool_threshold: '2KB', max_header_lines: 20 } });
});
afterAll(async () => {
  await server?.close();
});

/** `{n+}` followed by the message: one append-message's literal (RFC 7888 LITERAL+). */
const literal = (data: Buffer): Buffer => Buffer.concat([Buffer.from(`{${data.length}+}\r\n`), data]);

function send(client: RawClient, tag: string, parts: Array<string | Buffer>): Promise<string[]> {
  client.send(Buffer.concat([...parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)), Buffer.from('\r\n')]));
  return client.until((line) => line.startsWith(`${tag} `));
}

const count = async (name: string): Promise<number> => (await server.store.mailboxCounts((await server.store.getMailbox(ANNV, name))!.id)).messages;

describe('MULTIAPPEND (RFC 3502)', () => {
  it('stores several messages in one APPEND, each with its own flags and date, and answers a uid-set', async () => {
    const client = await loggedIn(server);
    const archive = (await server.store.getMailbox(ANNV, 'Archive'))!;
    const first = message('Thứ nhất');
    const second = message('Thứ hai', 'z'.repeat(5000)); // spooled
    const third = message('Thứ ba');
    const reply = await send(client, 'M1', [
      'M1 APPEND Archive (\\Seen) "20-Nov-2026 10:00:00 +0700" ',
      literal(first),
      ' ',
      literal(second),
      ' ($Work) ',
      literal(third),
    ]);
    expect(reply).toEqual([`M1 OK [APPENDUID ${archive.uidValidity} ${archive.uidNext}:${archive.uidNext + 2}] APPEND completed`]);
    const rows = await server.store.listMessages(archive.id);
    expect(rows.map((row) => row.size)).toEqual([first.length, second.length, third.length]);
    expect([...rows[0]!.flags]).toEqual(['\\Seen']);
    expect(rows[0]!.internalDate).toEqual(new Date('2026-11-20T03:00:00Z'));
    expect([...rows[1]!.flags]).toEqual([]);
    expect([...rows[2]!.flags]).toEqual(['$Work']);
    expect((await server.store.readBlob(rows[1]!.blobId)).equals(second)).toBe(true);
    client.close();
  });

  it('takes each synchronising literal after its own continuation', async () => {
    const client = await loggedIn(server);
    const first = message('Một', 'a'.repeat(3000));
    const second = message('Hai');
    client.send(`M2 APPEND Drafts {${first.length}}\r\n`);
    expect(await client.readLine()).toBe('+ Ready for literal data');
    client.send(Buffer.concat([first, Buffer.from(` {${second.length}}\r\n`)]));
    expect(await client.readLine()).toBe('+ Ready for literal data');
    client.send(Buffer.concat([second, Buffer.from('\r\n')]));
    expect(await client.readLine()).toMatch(/^M2 OK \[APPENDUID \d+ \d+:\d+\] APPEND completed$/);
    expect(await count('Drafts')).toBe(2);
    client.close();
  });

  it('stores none when one message is past a limit (RFC 3502 §3: all or none)', async () => {
    const client = await loggedIn(server);
    const before = await count('INBOX');
    const manyLines = message('Nhiều dòng', 'x');
    const bad = Buffer.concat([Buffer.from(Array.from({ length: 30 }, (_, i) => `X-Line-${i}: ${'v'.repeat(200)}\r\n`).join('')), manyLines]);
    expect(bad.length).toBeGreaterThan(2048); // checked from its spool file
    const reply = await send(client, 'M3', ['M3 APPEND INBOX ', literal(message('Tốt')), ' ', literal(bad), ' ', literal(message('Cũng tốt'))]);
    expect(reply).toEqual(['M3 NO [LIMIT] Message 2: Message header exceeds 20 lines']);
    expect(await count('INBOX')).toBe(before);
    expect(await client.command('M4', 'NOOP')).toEqual(['M4 OK NOOP completed']);
    client.close();
  });

  it('stores none when a later literal is over APPENDLIMIT: refused instead of its continuation', async () => {
    const client = await loggedIn(server);
    const before = await count('INBOX');
    const first = message('Đầu tiên');
    client.send(Buffer.concat([Buffer.from('M5 APPEND INBOX '), literal(first), Buffer.from(' {70000}\r\n')]));
    expect(await client.readLine()).toBe('M5 NO [TOOBIG] Literal of 70000 octets is over the limit of 65536');
    expect(await count('INBOX')).toBe(before);
    expect(await client.command('M6', 'NOOP')).toEqual(['M6 OK NOOP completed']);
    client.close();
  });

  it(`stores none of more than ${MAX_APPEND_MESSAGES} messages: NO [LIMIT] instead of the next continuation`, async () => {
    const client = await loggedIn(server);
    const before = await count('INBOX');
    const many = Array.from({ length: MAX_APPEND_MESSAGES }, (_, i) => [Buffer.from(' '), literal(message(`Thư ${i}`))]).flat();
    // The one past the count is synchronising: refused instead of its `+`, the client never sends it.
    client.send(Buffer.concat([Buffer.from('M10 APPEND INBOX'), ...many, Buffer.from(' {100}\r\n')]));
    expect(await client.readLine()).toBe(`M10 NO [LIMIT] More than ${MAX_APPEND_MESSAGES} messages in one APPEND; nothing was stored`);
    expect(await count('INBOX')).toBe(before);
    expect(server.context.memory.inUse).toBe(0);
    // Exactly the count is stored, LITERAL+ or not.
    expect((await send(client, 'M11', ['M11 APPEND INBOX', ...many]))[0]).toMatch(/^M11 OK \[APPENDUID \d+ \d+:\d+\] APPEND completed$/);
    expect(await count('INBOX')).toBe(before + MAX_APPEND_MESSAGES);
    client.close();
  });

  it('stores none when one message is empty, and a syntax error in the list is BAD', async () => {
    const client = await loggedIn(server);
    const before = await count('INBOX');
    expect(await send(client, 'M7', ['M7 APPEND INBOX ', literal(message('Có')), ' {0+}\r\n'])).toEqual([
      'M7 NO [CANNOT] Message 2: An empty message cannot be stored',
    ]);
    expect((await send(client, 'M8', ['M8 APPEND INBOX ', literal(message('Có')), ' "not a literal"']))[0]).toMatch(/^M8 BAD /);
    expect((await send(client, 'M9', ['M9 APPEND INBOX ', literal(message('Có')), ' ']))[0]).toMatch(/^M9 BAD /);
    expect(await count('INBOX')).toBe(before);
    expect(server.context.memory.inUse).toBe(0);
    client.close();
  });

  it('counts every message of the command against the quota together', async () => {
    const small = await startImapTestServer({ quota: { default: '12KB' } });
    try {
      const client = await loggedIn(small);
      const five = message('Năm KB', 'q'.repeat(5000));
      const reply = await send(client, 'Q1', ['Q1 APPEND INBOX ', literal(five), ' ', literal(five), ' ', literal(five)]);
      expect(reply).toEqual([expect.stringMatching(/^Q1 NO \[OVERQUOTA\] /)]);
      expect((await small.store.mailboxCounts((await small.store.getMailbox(ANNV, 'INBOX'))!.id)).messages).toBe(0);
      client.close();
    } finally {
      await small.close();
    }
  });
});
