import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RawClient, loggedIn, message, startImapTestServer, ANNV, type ImapTestServer } from './support.js';

/**
 * Random and mutated commands against a live connection: every command gets exactly one tagged
 * BAD/NO/OK (or an untagged BAD when it has no usable tag), the server never crashes, and the
 * connection answers the next command. Commands that change the conversation itself (LOGOUT,
 * IDLE, AUTHENTICATE, STARTTLS wait for or end something) are left out of the random names.
 */

let server: ImapTestServer;
beforeAll(async () => {
  // Random LOGINs must not be slowed down or locked by the directory's throttling.
  server = await startImapTestServer({ policy: { login_failures_before_delay: 1_000_000, login_failures_before_lock: 1_000_000 } });
  const inbox = (await server.store.getMailbox(ANNV, 'INBOX'))!;
  for (let i = 0; i < 5; i++) await server.store.append(inbox.id, message(`Thư số ${i}`));
});
afterAll(async () => {
  await server.close();
});

const CONVERSATION = /^(LOGOUT|IDLE|AUTHENTICATE|STARTTLS)$/i;

const NAMES = [
  'CAPABILITY', 'NOOP', 'ID', 'ENABLE', 'LOGIN', 'SELECT', 'EXAMINE', 'CREATE', 'DELETE', 'RENAME', 'SUBSCRIBE',
  'UNSUBSCRIBE', 'LIST', 'LSUB', 'NAMESPACE', 'STATUS', 'CHECK', 'CLOSE', 'UNSELECT', 'GETQUOTA', 'GETQUOTAROOT',
  'FETCH', 'STORE', 'SEARCH', 'COPY', 'MOVE', 'EXPUNGE', 'APPEND', 'UID FETCH', 'UID STORE', 'UID SEARCH', 'UID COPY',
  'UID MOVE', 'UID EXPUNGE', 'SETACL', 'DELETEACL', 'GETACL', 'LISTRIGHTS', 'MYRIGHTS', 'XYZZY', 'UID',
  'SORT', 'UID SORT', 'CANCELUPDATE',
];

const VALID = [
  'LIST "" *',
  'LIST (SUBSCRIBED RECURSIVEMATCH) "" (% INBOX) RETURN (CHILDREN STATUS (MESSAGES SIZE))',
  'LSUB "" %',
  'STATUS INBOX (MESSAGES UIDNEXT UNSEEN SIZE HIGHESTMODSEQ)',
  'SELECT INBOX (CONDSTORE)',
  'EXAMINE "Th&AbA- &AREevw-n"',
  'CREATE "Fuzz/&AbA-"',
  'RENAME "Fuzz" "Fuzz2"',
  'ID ("name" "fuzz" "version" NIL)',
  'ENABLE CONDSTORE UTF8=ACCEPT',
  'GETQUOTAROOT INBOX',
  'SETACL Shared/vpubnd/INBOX annv +lr',
  'MYRIGHTS "Shared/vpubnd/INBOX"',
  'FETCH 1:* (FLAGS UID ENVELOPE BODY.PEEK[HEADER.FIELDS (SUBJECT)]<0.10>)',
  'UID FETCH 1:4294967295 (BODYSTRUCTURE MODSEQ) (CHANGEDSINCE 1)',
  'STORE 1 +FLAGS.SILENT (\\Seen $Label)',
  'UID STORE 1:* -FLAGS (\\Deleted) (UNCHANGEDSINCE 5)',
  'SEARCH CHARSET UTF-8 TEXT "nguyen van an" OR FROM a SUBJECT {3+}\r\nabc',
  'UID SEARCH RETURN (MIN MAX COUNT) SINCE 1-Feb-2026 NOT DELETED',
  'SEARCH RETURN (PARTIAL 1:50 UPDATE COUNT) UNSEEN',
  'UID SORT RETURN (UPDATE ALL) (REVERSE DATE SUBJECT) UTF-8 UNDELETED',
  'CANCELUPDATE "a1" "a2"',
  'COPY *:1 Archive',
  'UID MOVE 0 Trash',
  'APPEND Drafts (\\Draft) " 1-Jan-2026 10:00:00 +0700" {5+}\r\nhello',
  'FETCH 1:* (BINARY.PEEK[1]<0.10> BINARY.SIZE[2] BINARY[])',
  'APPEND Drafts CATENATE (TEXT {5+}\r\nhello URL "/INBOX;UIDVALIDITY=1/;UID=1/;SECTION=1.MIME/;PARTIAL=0.4")',
];

/** An argument: atom, quoted string (any text), number, sequence set, list brackets, or a LITERAL+ literal. */
const argument = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9\\$.:*%\-[\]<>]{1,12}$/),
  fc.string({ maxLength: 20 }).map((s) => `"${s.replace(/[\r\n]/g, '')}"`),
  fc.constantFrom('0', '1', '4294967295', '4294967296', '*:1', '1,3:*', '(', ')', '()', 'NIL', '""', '{0}', '~{1+}'),
  fc.string({ maxLength: 30, unit: 'binary' }).map((s) => {
    const data = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from(`{${data.length}+}\r\n`), data]).toString('latin1');
  }),
);

const randomCommand = fc
  .record({ tag: fc.stringMatching(/^[A-Za-z0-9.]{1,8}$/), name: fc.constantFrom(...NAMES), args: fc.array(argument, { maxLength: 6 }) })
  .map(({ tag, name, args }) => ({ tag, line: Buffer.from([tag, name, ...args].join(' '), 'latin1') }));

/** A valid command with characters deleted, inserted or replaced. */
const mutatedCommand = fc
  .record({
    tag: fc.stringMatching(/^[A-Za-z0-9]{1,6}$/),
    base: fc.constantFrom(...VALID),
    edits: fc.array(fc.record({ at: fc.nat(), op: fc.constantFrom('delete', 'insert', 'replace'), char: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
  })
  .map(({ tag, base, edits }) => {
    const bytes = [...Buffer.from(base, 'latin1')];
    for (const { at, op, char } of edits) {
      const i = at % (bytes.length + 1);
      if (op === 'delete') bytes.splice(i, 1);
      else if (op === 'insert') bytes.splice(i, 0, char);
      else bytes[i] = char;
    }
    return { tag, line: Buffer.concat([Buffer.from(`${tag} `), Buffer.from(bytes)]) };
  });

/**
 * Keeps the line framing intact: no bare CR/LF outside literals we wrote, no synchronising
 * literal at a line end (the client would have to wait for "+"), and no conversation commands.
 */
function sendable(line: Buffer): boolean {
  const text = line.toString('latin1');
  const name = text.split(' ')[1] ?? '';
  if (CONVERSATION.test(name) || (name.toUpperCase() === 'UID' && CONVERSATION.test(text.split(' ')[2] ?? ''))) return false;
  // A literal marker at the very end would make the server wait for data that never comes.
  if (/\{\d+\+?\}$/.test(text) || text.split('\r\n').some((l) => /\{\d+\}$/.test(l))) return false;
  // Every CRLF must belong to a LITERAL+ marker with exactly its data after it.
  let i = 0;
  for (;;) {
    const match = /\{(\d+)\+\}\r\n/g;
    match.lastIndex = i;
    const m = match.exec(text);
    const next = text.indexOf('\n', i);
    if (!m) return next < 0 && !text.slice(i).includes('\r');
    if ((next >= 0 && next < m.index) || text.slice(i, m.index).includes('\r')) return false;
    i = m.index + m[0].length + Number(m[1]);
    if (i > text.length) return false;
  }
}

async function sendAndCheck(client: RawClient, tag: string, line: Buffer): Promise<void> {
  client.send(Buffer.concat([line, Buffer.from('\r\nzz NOOP\r\n')]));
  const lines = await client.until((l) => l.startsWith('zz '), 5000);
  expect(lines.at(-1)).toBe('zz OK NOOP completed');
  const tagged = lines.filter((l) => l.startsWith(`${tag} `));
  const untaggedBad = lines.filter((l) => l.startsWith('* BAD '));
  expect(tagged.length + untaggedBad.length).toBeGreaterThanOrEqual(1);
  for (const reply of tagged) expect(reply).toMatch(new RegExp(`^${tag.replace(/\./g, '\\.')} (OK|NO|BAD) `));
}

describe('parser fuzz', () => {
  for (const state of ['not-authenticated', 'selected'] as const) {
    test(`random commands in the ${state} state: one tagged answer each, connection still usable`, async () => {
      const client = state === 'selected' ? await loggedIn(server) : await RawClient.connect(server.ports.imap);
      if (state === 'selected') await client.command('s', 'SELECT INBOX');
      await fc.assert(
        fc.asyncProperty(randomCommand.filter((c) => c.tag !== 'zz' && sendable(c.line)), async ({ tag, line }) => sendAndCheck(client, tag, line)),
        { numRuns: 300 },
      );
      expect(await client.command('end', 'NOOP')).toEqual(['end OK NOOP completed']);
      client.close();
    });
  }

  test('mutated valid commands: one tagged answer each, connection still usable', async () => {
    const client = await loggedIn(server);
    await client.command('s', 'SELECT INBOX');
    await fc.assert(
      fc.asyncProperty(mutatedCommand.filter((c) => c.tag !== 'zz' && sendable(c.line)), async ({ tag, line }) => sendAndCheck(client, tag, line)),
      { numRuns: 400 },
    );
    client.close();
  });

  test('random bytes: never a crash; the server answers the next command', async () => {
    const client = await loggedIn(server);
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes.filter((b) => b !== 0x0a && b !== 0x0d))).filter((b) => !/\{\d+\+?\}$/.test(b.toString('latin1'))),
        async (bytes) => {
          client.send(Buffer.concat([bytes, Buffer.from('\r\nzz NOOP\r\n')]));
          expect((await client.until((l) => l.startsWith('zz '), 5000)).at(-1)).toBe('zz OK NOOP completed');
        },
      ),
      { numRuns: 300 },
    );
    client.close();
  });
});
