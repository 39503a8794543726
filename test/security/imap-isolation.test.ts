/**
 * Security review, cross-account isolation in IMAP (Standards: "one user can never read, list or
 * change another's mail except through an explicit delegation"; RFC 4314 §6: a mailbox one may
 * not see must look as if it did not exist). binhtt, with no delegation, tries every naming trick
 * at annv's mailboxes and at the unit vpubnd's, with every command that names a mailbox. Each
 * answer must be exactly the answer for the same name pointing at an account that does not exist
 * (so nothing leaks, not even existence), nothing may be OK that reads or writes, and afterwards
 * annv's and the unit's mailboxes are as they were.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AccountId } from '../../src/store/types.js';
import { asAccountId } from '../../src/store/types.js';
import { ANNV, PASSWORD, RawClient, loggedIn, message, startImapTestServer, type ImapTestServer } from '../imap/support.js';
import { saslPlain } from './support.js';

const UNIT = asAccountId('vpubnd@cantho.gov.vn');
let server: ImapTestServer;
let b: RawClient;

beforeAll(async () => {
  // The unit*person attempts below must not slow down or lock binhtt.
  server = await startImapTestServer({ policy: { login_failures_before_delay: 1_000_000, login_failures_before_lock: 1_000_000 } });
  await server.addUser('binhtt');
  await server.addUser('cuonglv');
  await server.store.ensureAccount(UNIT);
  await server.store.createMailbox(ANNV, 'Bí mật');
  for (const [account, folder] of [
    [ANNV, 'INBOX'],
    [ANNV, 'Bí mật'],
    [UNIT, 'INBOX'],
    [asAccountId('binhtt@cantho.gov.vn'), 'INBOX'],
  ] as const) {
    await server.store.append((await server.store.getMailbox(account, folder))!.id, message(`thư của ${account}`));
  }
  b = await loggedIn(server, 'binhtt');
});
afterAll(async () => {
  b?.close();
  await server.close();
});

/** Names aimed at annv's or the unit's mailboxes from binhtt's session. */
const TRICKS = [
  'annv@cantho.gov.vn/INBOX',
  'annv/INBOX',
  '../annv/INBOX',
  '../annv@cantho.gov.vn/INBOX',
  'INBOX/../../annv/INBOX',
  '/annv/INBOX',
  '~annv/INBOX',
  '#user/annv/INBOX',
  '#shared/vpubnd/INBOX',
  'Shared/annv/INBOX',
  'Shared/annv@cantho.gov.vn/INBOX',
  'Shared/annv/B&AO0- m&Hq0-t', // "Bí mật" in modified UTF-7
  'Shared/vpubnd/INBOX',
  'Shared/VPUBND/INBOX',
  'Shared/vpubnd/inbox',
  'Shared/vpubnd@cantho.gov.vn/INBOX',
  'Shared/../vpubnd/INBOX',
  'Shared//vpubnd/INBOX',
  'Shared/vpubnd/../INBOX',
  'Shared/vpubnd/%',
  'Shared/vpubnd/*',
  'Shared/%/INBOX',
  'Shared/*',
  'Shared/vpubnd*binhtt/INBOX',
  'vpubnd*binhtt/INBOX',
  '&AFM-hared/vpubnd/INBOX', // "S" written in modified UTF-7
  'Shared&AC8-vpubnd&AC8-INBOX', // "/" written in modified UTF-7
  'Shared/vpubnd/INBOX\0',
  'Shared/vpubnd\0/INBOX',
  `Shared/vpubnd/${'a'.repeat(5_000)}`,
];

/** The same name, of the same length, aimed at an account and a unit that do not exist. */
function twin(name: string): string {
  return name.replace(/annv/g, 'nobx').replace(/vpubnd/g, 'nounit').replace(/VPUBND/g, 'NOUNIT');
}

/** An IMAP literal (RFC 7888 LITERAL+): any bytes, NUL included, without a round trip. */
function literal(text: string): string {
  return `{${Buffer.byteLength(text)}+}\r\n${text}`;
}

/** Every command that names a mailbox; `%s` is the mailbox, as a literal. */
const COMMANDS = [
  'SELECT %s',
  'EXAMINE %s',
  'STATUS %s (MESSAGES UIDNEXT UNSEEN)',
  `APPEND %s (\\Seen) ${literal('Subject: planted\r\n\r\nx\r\n')}`,
  'COPY 1 %s',
  'MOVE 1 %s',
  'DELETE %s',
  'RENAME %s "Stolen"',
  'MYRIGHTS %s',
  'GETACL %s',
  'SETACL %s binhtt lrswipkxtea',
  'DELETEACL %s annv',
  'LISTRIGHTS %s binhtt',
  'GETQUOTAROOT %s',
  'LIST "" %s',
  'LIST %s "*"',
  'LIST (SUBSCRIBED) "" %s RETURN (STATUS (MESSAGES))',
  'LSUB "" %s',
];
/** These may answer OK (with nothing listed); every other command must fail. */
const LISTING = /^(LIST|LSUB)/;

let tagCount = 0;
async function run(command: string, name: string): Promise<string[]> {
  // One tag length throughout: parse errors name the octet where they happened.
  const tag = `t${String(++tagCount).padStart(6, '0')}`;
  const lines = await b.command(tag, command.replace('%s', literal(name)));
  return lines.map((line) => line.replace(new RegExp(`^${tag} `), 'TAG '));
}

interface Snapshot {
  readonly [key: string]: { readonly messages: number; readonly flags: string };
}

async function snapshot(account: AccountId): Promise<Snapshot> {
  const out: Record<string, { messages: number; flags: string }> = {};
  for (const mailbox of await server.store.listMailboxes(account)) {
    const rows = await server.store.listMessages(mailbox.id);
    out[mailbox.name] = { messages: rows.length, flags: rows.map((r) => r.flags.join(' ')).join('|') };
  }
  return out;
}

describe('cross-account isolation in IMAP', () => {
  test('the names work for a real delegate: the tricks below aim at something that exists', async () => {
    server.server.grant('vpubnd', 'cuonglv');
    const c = await loggedIn(server, 'cuonglv');
    expect((await c.command('s', 'STATUS Shared/vpubnd/INBOX (MESSAGES)'))[0]).toBe('* STATUS Shared/vpubnd/INBOX (MESSAGES 1)');
    c.close();
  });

  test('binhtt sees no shared namespace and lists nothing of annv or the unit', async () => {
    expect(await b.command('n', 'NAMESPACE')).toEqual(['* NAMESPACE (("" "/")) NIL NIL', 'n OK NAMESPACE completed']);
    for (const pattern of ['"" *', '"" %', '"" Shared/*', '"Shared/" *', '"" %/%/%', '"" #*', '"" ~*', '"" ../*']) {
      const lines = await b.command('l', `LIST ${pattern}`);
      expect(lines.at(-1)).toBe('l OK LIST completed');
      expect(lines.join('\n')).not.toMatch(/annv|vpubnd|Shared|B&AO0-/i);
    }
  });

  test.each(COMMANDS)('%s: every naming trick gets the answer for a mailbox that does not exist', async (command) => {
    await b.command('u', 'UNSELECT');
    if (/^(COPY|MOVE)/.test(command)) expect((await b.command('s', 'SELECT INBOX')).at(-1)).toMatch(/^s OK \[READ-WRITE\]/);
    const before = { annv: await snapshot(ANNV), unit: await snapshot(UNIT) };
    for (const name of TRICKS) {
      const answer = await run(command, name);
      const nonexistent = (await run(command, twin(name))).map((line) => line.split(twin(name)).join(name));
      expect({ name, answer }).toEqual({ name, answer: nonexistent });
      const tagged = answer.at(-1)!;
      if (LISTING.test(command)) {
        expect(answer.join('\n')).not.toMatch(/annv|vpubnd/i);
      } else {
        expect({ name, tagged }).toEqual({ name, tagged: expect.stringMatching(/^TAG (NO|BAD) /) });
      }
    }
    expect({ annv: await snapshot(ANNV), unit: await snapshot(UNIT) }).toEqual(before);
  });

  test('INBOX in any case is binhtt’s own INBOX', async () => {
    for (const inbox of ['INBOX', 'inbox', 'InBoX']) {
      const lines = await b.command('s', `STATUS ${inbox} (MESSAGES)`);
      expect(lines).toEqual([`* STATUS INBOX (MESSAGES ${(await server.store.listMessages((await server.store.getMailbox(asAccountId('binhtt@cantho.gov.vn'), 'INBOX'))!.id)).length})`, 's OK STATUS completed']);
    }
  });

  test('unit*person and authorization identities give binhtt nothing of the unit or of annv', async () => {
    for (const login of ['vpubnd*binhtt', 'annv*binhtt', 'VPUBND*binhtt', 'vpubnd@cantho.gov.vn*binhtt']) {
      const client = await RawClient.connect(server.ports.imap);
      expect(await client.command('l', `LOGIN ${literal(login)} ${literal(PASSWORD)}`)).toEqual(['l NO [AUTHENTICATIONFAILED] Invalid credentials']);
      const ir = saslPlain('binhtt', PASSWORD, login.split('*')[0]);
      expect(await client.command('a', `AUTHENTICATE PLAIN ${ir}`)).toEqual(['a NO [AUTHENTICATIONFAILED] Invalid credentials']);
      client.close();
    }
  });
});
