import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DOC } from '../helpers/server.js';
import { UNIT, address, startUnitServer, type UnitServer } from './support.js';

/**
 * docs/architecture.md "Unit mailboxes", seen mode, over IMAP: with `unit set-seen vpubnd private` each delegate keeps their own
 * \Seen on the unit's messages — in FETCH, SEARCH, STATUS, SELECT — while the team's row stays
 * as it was; moving a message into one's own folder takes one's own \Seen along.
 */

let u: UnitServer;
let first: number;
let second: number;

beforeAll(async () => {
  u = await startUnitServer();
  u.directory.admin.setSeenMode('vpubnd', 'private', { actor: 'cli:test', doc: TEST_DOC });
  first = await u.deliverToUnit('Công văn thứ nhất');
  second = await u.deliverToUnit('Công văn thứ hai');
});
afterAll(() => u.close());
afterEach(() => u.closeClients());

describe('seen mode private', () => {
  it("keeps annv's reading to annv: the head and the other delegate still see it unread", async () => {
    const annv = await u.login('annv');
    await annv.command('s', 'SELECT Shared/vpubnd/INBOX');
    const fetched = await annv.command('f', `UID FETCH ${first} (BODY[TEXT])`);
    expect(fetched[0]).toMatch(new RegExp(`^\\* 1 FETCH \\(UID ${first} BODY\\[TEXT\\] \\{\\d+\\}$`));
    expect(fetched.at(-2)).toBe(' FLAGS (\\Seen \\Recent))');
    expect(await annv.command('f', 'FETCH 1:* (FLAGS)')).toEqual(['* 1 FETCH (FLAGS (\\Seen \\Recent))', '* 2 FETCH (FLAGS (\\Recent))', 'f OK FETCH completed']);
    expect(await annv.command('u', 'SEARCH UNSEEN')).toEqual(['* SEARCH 2', 'u OK SEARCH completed']);
    expect(await annv.command('t', 'STATUS Shared/vpubnd/INBOX (UNSEEN)')).toEqual(['* STATUS Shared/vpubnd/INBOX (UNSEEN 1)', 't OK STATUS completed']);

    const head = await u.login('truonglv');
    expect(await head.command('t', 'STATUS Shared/vpubnd/INBOX (UNSEEN)')).toEqual(['* STATUS Shared/vpubnd/INBOX (UNSEEN 2)', 't OK STATUS completed']);
    const examined = await head.command('e', 'EXAMINE Shared/vpubnd/INBOX');
    expect(examined).toContain('* OK [UNSEEN 1] First unseen message');
    expect(await head.command('f', 'FETCH 1:* (FLAGS)')).toEqual(['* 1 FETCH (FLAGS ())', '* 2 FETCH (FLAGS ())', 'f OK FETCH completed']);

    // The unit's own row is untouched: the team's \Seen is not what a private reader sets.
    const rows = await u.store.listMessages((await u.store.getMailbox(UNIT, 'INBOX'))!.id);
    expect(rows.map((r) => r.flags)).toEqual([[], []]);
  });

  it('STORE sets and clears only the reader’s own \\Seen, next to shared flags', async () => {
    const binhtt = await u.login('binhtt');
    await binhtt.command('e', 'EXAMINE Shared/vpubnd/INBOX');
    expect(await binhtt.command('f', 'FETCH 1:* (FLAGS)')).toEqual(['* 1 FETCH (FLAGS ())', '* 2 FETCH (FLAGS ())', 'f OK FETCH completed']);
    const annv = await u.login('annv');
    await annv.command('s', 'SELECT Shared/vpubnd/INBOX');
    expect(await annv.command('s', `UID STORE ${second} +FLAGS (\\Seen \\Flagged)`)).toEqual([`* 2 FETCH (FLAGS (\\Seen \\Flagged) UID ${second})`, 's OK UID STORE completed']);
    expect(await annv.command('s', `UID STORE ${first} -FLAGS (\\Seen)`)).toEqual([`* 1 FETCH (FLAGS () UID ${first})`, 's OK UID STORE completed']);
    const head = await u.login('truonglv');
    await head.command('e', 'EXAMINE Shared/vpubnd/INBOX');
    // \Flagged is the team's; \Seen stays annv's.
    expect(await head.command('f', 'FETCH 1:* (FLAGS)')).toEqual(['* 1 FETCH (FLAGS ())', '* 2 FETCH (FLAGS (\\Flagged))', 'f OK FETCH completed']);
  });

  it("tells the reader's other session (unsolicited FETCH, CHANGEDSINCE) and shows the others their own \\Seen", async () => {
    const phone = await u.login('annv');
    const examined = await phone.command('e', 'EXAMINE Shared/vpubnd/INBOX (CONDSTORE)');
    const since = Number(/HIGHESTMODSEQ (\d+)/.exec(examined.join(' '))![1]);
    const other = await u.login('truonglv');
    await other.command('e', 'EXAMINE Shared/vpubnd/INBOX');
    const desk = await u.login('annv');
    await desk.command('s', 'SELECT Shared/vpubnd/INBOX');
    const stored = await desk.command('s', `UID STORE ${first} +FLAGS.SILENT (\\Seen)`);
    expect(stored).toEqual(['s OK UID STORE completed']);
    const noop = await phone.command('n', 'NOOP');
    expect(noop[0]).toMatch(new RegExp(`^\\* 1 FETCH \\(UID ${first} FLAGS \\(\\\\Seen\\) MODSEQ \\(\\d+\\)\\)$`));
    expect(await phone.command('c', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${since})`)).toEqual([
      expect.stringMatching(new RegExp(`^\\* 1 FETCH \\(UID ${first} FLAGS \\(\\\\Seen\\) MODSEQ \\(\\d+\\)\\)$`)),
      'c OK UID FETCH completed',
    ]);
    expect(await other.command('n', 'NOOP')).toEqual([`* 1 FETCH (UID ${first} FLAGS ())`, 'n OK NOOP completed']);
    await desk.command('s', `UID STORE ${first} -FLAGS.SILENT (\\Seen)`);
  });

  it('a unit*person session reads with the same private \\Seen', async () => {
    const phone = await u.login('vpubnd*annv');
    await phone.command('s', 'EXAMINE INBOX');
    expect(await phone.command('f', 'FETCH 1:* (FLAGS)')).toEqual(['* 1 FETCH (FLAGS ())', '* 2 FETCH (FLAGS (\\Seen \\Flagged))', 'f OK FETCH completed']);
  });

  it("moving into one's own folder takes one's own \\Seen along", async () => {
    const annv = await u.login('annv');
    await annv.command('s', 'SELECT Shared/vpubnd/INBOX');
    expect((await annv.command('m', `UID MOVE ${first}:${second} Archive`)).at(-1)).toBe('m OK UID MOVE completed');
    const archive = (await u.store.getMailbox(address('annv'), 'Archive'))!;
    expect((await u.store.listMessages(archive.id)).map((r) => r.flags)).toEqual([[], ['\\Seen', '\\Flagged']]);
  });
});
