import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MAX_COMMAND, MAX_LINE } from '../../src/imap/parser.js';
import { ANNV, PASSWORD, RawClient, loggedIn, message, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer({ smtp: { max_message_size: '1KB' } });
});
afterAll(async () => {
  await server.close();
});

describe('command framing (RFC 3501 §2.2, §4.3; RFC 7888; RFC 7889)', () => {
  test('logs in with a user name and password sent as synchronising literals', async () => {
    const client = await RawClient.connect(server.ports.imap);
    const password = Buffer.from(PASSWORD, 'utf8');
    client.send('a1 LOGIN {4}\r\n');
    expect(await client.readLine()).toBe('+ Ready for literal data');
    client.send(`annv {${password.length}}\r\n`);
    expect(await client.readLine()).toBe('+ Ready for literal data');
    client.send(Buffer.concat([password, Buffer.from('\r\n')]));
    expect(await client.readLine()).toMatch(/^a1 OK \[CAPABILITY IMAP4rev1 .*\] Logged in$/);
    client.close();
  });

  test('takes LITERAL+ literals without a continuation', async () => {
    const client = await RawClient.connect(server.ports.imap);
    const password = Buffer.from(PASSWORD, 'utf8');
    client.send(Buffer.concat([Buffer.from(`a1 LOGIN {4+}\r\nannv {${password.length}+}\r\n`), password, Buffer.from('\r\n')]));
    expect(await client.readLine()).toMatch(/^a1 OK \[CAPABILITY .*\] Logged in$/);
    client.close();
  });

  test('answers pipelined commands in order, one at a time', async () => {
    const client = await loggedIn(server);
    client.send('p1 NOOP\r\np2 CREATE Pipelined\r\np3 STATUS Pipelined (MESSAGES)\r\np4 NOOP\r\n');
    expect(await client.until((l) => l.startsWith('p4 '))).toEqual([
      'p1 OK NOOP completed',
      'p2 OK CREATE completed',
      '* STATUS Pipelined (MESSAGES 0)',
      'p3 OK STATUS completed',
      'p4 OK NOOP completed',
    ]);
    client.close();
  });

  test('refuses an APPEND literal over APPENDLIMIT before reading it, and stays in sync', async () => {
    const client = await loggedIn(server);
    client.send('a1 APPEND INBOX {1025}\r\n');
    expect(await client.readLine()).toBe('a1 NO [TOOBIG] Literal of 1025 octets is over the limit of 1024');
    expect(await client.command('a2', 'NOOP')).toEqual(['a2 OK NOOP completed']);
    client.close();
  });

  test('before login, no literal may be larger than an argument needs', async () => {
    const client = await RawClient.connect(server.ports.imap);
    client.send('a1 APPEND INBOX {70000}\r\n');
    expect(await client.readLine()).toBe('a1 NO [TOOBIG] Literal of 70000 octets is over the limit of 65536');
    client.send('a2 LOGIN {70000+}\r\n');
    client.send(Buffer.alloc(70000, 0x61));
    client.send(' x\r\n');
    expect(await client.readLine()).toBe('a2 BAD [TOOBIG] Literal of 70000 octets is over the limit of 65536');
    expect(await client.command('a3', 'NOOP')).toEqual(['a3 OK NOOP completed']);
    client.close();
  });

  test('after login too, only APPEND may send a large literal: SEARCH gets no continuation', async () => {
    const client = await loggedIn(server);
    await client.command('s', 'SELECT INBOX');
    client.send('a1 SEARCH TEXT {70000}\r\n');
    // The first line back is the refusal, not "+ Ready": the client never sends the 70,000 octets.
    expect(await client.readLine()).toBe('a1 BAD [TOOBIG] Literal of 70000 octets is over the limit of 65536');
    expect(await client.command('a2', 'NOOP')).toEqual(['a2 OK NOOP completed']);
    client.close();
  });

  test('small LITERAL+ literals cannot add up to a large command', async () => {
    const client = await loggedIn(server);
    await client.command('s', 'SELECT INBOX');
    const piece = 'x'.repeat(60_000);
    const count = Math.ceil(MAX_COMMAND / piece.length) + 1;
    let command = 'a1 SEARCH';
    for (let i = 0; i < count; i++) command += ` TEXT {${piece.length}+}\r\n${piece}`;
    client.send(`${command}\r\n`);
    expect(await client.readLine()).toMatch(/^a1 BAD \[TOOBIG\] Literal of 60000 octets is over the limit of \d+$/);
    expect(await client.command('a2', 'NOOP')).toEqual(['a2 OK NOOP completed']);
    client.close();
  });

  test('an APPEND literal past the memory ceiling is refused with NO [INUSE] before it is sent', async () => {
    const memory = server.context.memory;
    const others = memory.reserve(memory.ceiling - 500)!;
    const client = await loggedIn(server);
    try {
      client.send('a1 APPEND INBOX {700}\r\n');
      expect(await client.readLine()).toBe('a1 NO [INUSE] The server is receiving too many messages at once; try again shortly');
      client.send(`a2 APPEND INBOX {700+}\r\n${'y'.repeat(700)}\r\n`);
      expect(await client.readLine()).toBe('a2 NO [INUSE] The server is receiving too many messages at once; try again shortly');
      expect(await client.command('a3', 'NOOP')).toEqual(['a3 OK NOOP completed']);
    } finally {
      others.release();
    }
    const small = message('Nhỏ', 'x');
    client.send(`a4 APPEND Drafts {${small.length}}\r\n`);
    expect(await client.readLine()).toBe('+ Ready for literal data');
    client.send(Buffer.concat([small, Buffer.from('\r\n')]));
    expect(await client.readLine()).toMatch(/^a4 OK \[APPENDUID \d+ \d+\] APPEND completed$/);
    expect(memory.inUse).toBe(0);
    client.close();
  });

  test('a LITERAL+ literal far past any limit is not read away: BYE and the connection ends', async () => {
    const client = await RawClient.connect(server.ports.imap);
    client.send('a1 LOGIN {25000000+}\r\n');
    expect(await client.readLine()).toBe('* BYE Too much input for one command');
    expect(await client.waitClosed()).toBe(true);
  });

  test('skips an oversize LITERAL+ APPEND and answers TOOBIG', async () => {
    const client = await loggedIn(server);
    client.send(`a1 APPEND INBOX {2000+}\r\n${'x'.repeat(2000)}\r\n`);
    expect(await client.readLine()).toBe('a1 NO [TOOBIG] Literal of 2000 octets is over the limit of 1024');
    expect(await client.command('a2', 'NOOP')).toEqual(['a2 OK NOOP completed']);
    client.close();
  });

  test('answers BAD to a line over the limit and reads the next command', async () => {
    const client = await loggedIn(server);
    client.send(`t1 STATUS ${'x'.repeat(MAX_LINE)} (MESSAGES)\r\n`);
    expect(await client.readLine()).toBe('t1 BAD Command line too long');
    expect(await client.command('t2', 'NOOP')).toEqual(['t2 OK NOOP completed']);
    client.close();
  });

  test('a literal with more data than announced leaves the excess as a bad command line', async () => {
    const client = await RawClient.connect(server.ports.imap);
    client.send('a1 LOGIN {4}\r\n');
    await client.readLine();
    client.send('annvXYZ "pw"\r\n');
    expect(await client.readLine()).toMatch(/^a1 BAD expected a space at octet \d+$/);
    expect(await client.command('a2', 'NOOP')).toEqual(['a2 OK NOOP completed']);
    client.close();
  });

  test('survives a client that disconnects in the middle of a literal', async () => {
    const client = await loggedIn(server);
    client.send('a1 APPEND INBOX {500}\r\n');
    expect(await client.readLine()).toBe('+ Ready for literal data');
    client.send('only part of it');
    client.close();
    // The server is still serving others, and the half-sent message is not stored.
    const other = await loggedIn(server);
    expect(await other.command('b1', 'STATUS INBOX (MESSAGES)')).toEqual(['* STATUS INBOX (MESSAGES 0)', 'b1 OK STATUS completed']);
    expect((await server.store.mailboxCounts((await server.store.getMailbox(ANNV, 'INBOX'))!.id)).messages).toBe(0);
    // Its memory reservation went with it.
    expect(server.context.memory.inUse).toBe(0);
    other.close();
  });

  test('a command without a tag gets an untagged BAD', async () => {
    const client = await RawClient.connect(server.ports.imap);
    client.send('\r\n');
    expect(await client.readLine()).toBe('* BAD Expected a tag and a command name');
    client.send('+tag NOOP\r\n');
    expect(await client.readLine()).toBe('* BAD Expected a tag and a command name');
    client.close();
  });
});
