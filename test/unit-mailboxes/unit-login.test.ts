import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DOC } from '../helpers/server.js';
import { PASSWORD, UNIT, startUnitServer, type UnitServer } from './support.js';

/**
 * docs/architecture.md "Unit mailboxes": phones and clients without shared namespaces log in as `vpubnd*annv` with
 * annv's own password and get the unit's folders as their own, with annv's rights — shown with
 * Python's imaplib, and at the protocol level for what imaplib does not show.
 */

const run = promisify(execFile);
const SCRIPT = path.join(import.meta.dirname, 'clients/imaplib_units.py');
let u: UnitServer;

beforeAll(async () => {
  u = await startUnitServer();
  await u.deliverToUnit('Công văn cho điện thoại');
});
afterAll(() => u.close());

const imaplib = async (user: string, mode: string, password = PASSWORD) =>
  (await run('python3', [SCRIPT, String(u.server.ports.imap), user, password, mode], { timeout: 30_000 })).stdout;

describe('vpubnd*annv', () => {
  it("opens the unit's folders as the session's own in imaplib, with annv's rights and special uses", async () => {
    expect(await imaplib('vpubnd*annv', 'unit')).toBe(
      [
        'login OK',
        'namespace OK',
        '  (("" "/")) NIL NIL',
        'list OK',
        '  (\\HasNoChildren) "/" INBOX',
        '  (\\HasNoChildren \\Archive) "/" Archive',
        '  (\\HasNoChildren \\Drafts) "/" Drafts',
        '  (\\HasNoChildren \\Junk) "/" Junk',
        '  (\\HasNoChildren \\Sent) "/" Sent',
        '  (\\HasNoChildren \\Trash) "/" Trash',
        'select OK',
        '  1',
        'fetch OK Subject: Công văn cho điện thoại',
        'store OK',
        '  1 (FLAGS (\\Flagged \\Recent))',
        'logout BYE',
        '',
      ].join('\n'),
    );
    const rows = u.directory.queryAudit({ subject: UNIT }).filter((r) => r.actor === 'annv@cantho.gov.vn');
    expect(rows.map((r) => r.action)).toEqual(['login.ok', 'delegate.open', 'delegate.flags']);
  });

  it('refuses a person without rights like a wrong password', async () => {
    const refused = await imaplib('vpubnd*dungdt', 'login');
    expect(refused).toBe("login failed b'[AUTHENTICATIONFAILED] Invalid credentials'\n");
    expect(await imaplib('dungdt', 'login', 'sai-mat-khau-2026')).toBe(refused);
  });

  it('gives a read-only delegate a read-only INBOX and no expunge', async () => {
    const binhtt = await u.login('vpubnd*binhtt');
    expect((await binhtt.command('s', 'SELECT INBOX')).at(-1)).toBe('s OK [READ-ONLY] SELECT completed');
    expect(await binhtt.command('m', 'MYRIGHTS INBOX')).toEqual(['* MYRIGHTS INBOX lr', 'm OK MYRIGHTS completed']);
    expect(await binhtt.command('a', 'APPEND Sent {5+}\r\nHello')).toEqual(['a NO [NOPERM] You may not append messages here']);
    binhtt.close();
  });

  it('ends the session when the delegation is revoked', async () => {
    u.server.grant('vpubnd', 'dungdt', { rights: 'lr' });
    const dungdt = await u.login('vpubnd*dungdt');
    expect((await dungdt.command('s', 'EXAMINE INBOX')).at(-1)).toBe('s OK [READ-ONLY] EXAMINE completed');
    u.directory.admin.revokeDelegation('vpubnd', 'dungdt', { actor: 'cli:test', doc: TEST_DOC });
    expect(await dungdt.readLine()).toMatch(/^\* BYE /);
    expect(await dungdt.waitClosed()).toBe(true);
  });
});
