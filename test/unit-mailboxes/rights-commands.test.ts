import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_RIGHTS } from '../../src/directory/types.js';
import { UNIT, startUnitServer, type UnitServer } from './support.js';

/**
 * The RFC 4314 §4 table over IMAP: for each right, binhtt holds every right but that one (set
 * with SETACL by the head) and the command that needs it is refused with NO [NOPERM]; holding
 * every right, the same command succeeds. Each row runs on a fresh login, so the rights read are
 * the ones just set.
 */

let u: UnitServer;
beforeAll(async () => {
  u = await startUnitServer();
  for (let i = 0; i < 3; i++) await u.deliverToUnit(`Công văn ${i}`);
});
afterAll(() => u.close());

async function withRights(rights: string, steps: readonly string[]): Promise<string> {
  const head = await u.login('truonglv');
  expect(await head.command('a', `SETACL Shared/vpubnd/INBOX binhtt ${rights}`)).toEqual(['a OK SETACL completed']);
  head.close();
  const binhtt = await u.login('binhtt');
  try {
    let last: string[] = [];
    for (const [i, step] of steps.entries()) last = await binhtt.command(`t${i}`, step);
    return last.at(-1)!.replace(/^t\d+ /, '');
  } finally {
    binhtt.close();
  }
}

const without = (right: string) => [...ALL_RIGHTS].filter((r) => r !== right).join('');

describe('each right lets exactly its commands through (RFC 4314 §4)', () => {
  it.each([
    ['r', ['SELECT Shared/vpubnd/INBOX'], 'NO [NOPERM] You may not read this mailbox here', /^OK \[READ-WRITE\]/],
    ['r', ['STATUS Shared/vpubnd/INBOX (MESSAGES)'], 'NO [NOPERM] You may not read the status of this mailbox here', /^OK STATUS/],
    ['s', ['SELECT Shared/vpubnd/INBOX', 'STORE 1 +FLAGS (\\Seen)'], 'NO [NOPERM] You may not change \\Seen here', /^OK STORE/],
    ['w', ['SELECT Shared/vpubnd/INBOX', 'STORE 1 +FLAGS (\\Flagged)'], 'NO [NOPERM] You may not change flags here', /^OK STORE/],
    ['t', ['SELECT Shared/vpubnd/INBOX', 'STORE 1 +FLAGS (\\Deleted)'], 'NO [NOPERM] You may not change \\Deleted here', /^OK STORE/],
    ['e', ['SELECT Shared/vpubnd/INBOX', 'UID EXPUNGE 999'], 'NO [NOPERM] You may not expunge messages here', /^OK UID EXPUNGE/],
    ['i', ['APPEND Shared/vpubnd/Drafts {5+}\r\nHello'], 'NO [NOPERM] You may not append messages here', /^OK \[APPENDUID/],
    ['k', ['CREATE Shared/vpubnd/Matrix'], 'NO [NOPERM] You may not create mailboxes here', /^OK CREATE/],
    ['x', ['DELETE Shared/vpubnd/Matrix'], 'NO [NOPERM] You may not delete this mailbox', /^OK DELETE/],
    ['a', ['GETACL Shared/vpubnd/INBOX'], 'NO [NOPERM] You may not administer the access rights of this mailbox', /^OK GETACL/],
  ])('without "%s": %j', async (right, steps, refused, allowed) => {
    expect(await withRights(without(right), steps)).toBe(refused);
    expect(await withRights(ALL_RIGHTS, steps)).toMatch(allowed);
  });

  it('without "l" the unit is not listed, but with "r" its folders still open', async () => {
    const head = await u.login('truonglv');
    await head.command('a', 'SETACL Shared/vpubnd/INBOX binhtt r');
    head.close();
    const binhtt = await u.login('binhtt');
    expect(await binhtt.command('l', 'LIST "" "Shared/*"')).toEqual(['l OK LIST completed']);
    expect((await binhtt.command('s', 'EXAMINE Shared/vpubnd/INBOX')).at(-1)).toBe('s OK [READ-ONLY] EXAMINE completed');
    binhtt.close();
  });

  it('every change above is on record as delegate.grant by the head', () => {
    const grants = u.directory.queryAudit({ subject: UNIT }).filter((r) => r.action === 'delegate.grant' && r.actor === 'truonglv@cantho.gov.vn');
    expect(grants.length).toBeGreaterThanOrEqual(11);
    expect(grants.every((r) => r.doc === 'IMAP SETACL')).toBe(true);
  });
});
