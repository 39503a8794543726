import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMessageTestBed, textMessage, type MessageTestBed } from './message-fixtures.js';

let bed: MessageTestBed;

beforeAll(async () => {
  bed = await startMessageTestBed();
});
afterAll(async () => {
  await bed?.close();
});

/** Delivers `count` messages and takes their \Recent with a first SELECT, so the tests see stored flags only. */
async function fill(count: number): Promise<number[]> {
  const uids: number[] = [];
  for (let i = 0; i < count; i++) uids.push(await bed.deliver(textMessage(`thư ${i}`)));
  (await bed.login('INBOX')).close();
  return uids;
}

describe('EXPUNGE (RFC 3501 §6.4.3)', () => {
  it('numbers scattered expunges as RFC 3501 §7.4.1 does: 3,4,7,11 of 11 are 3, 3, 5, 8', async () => {
    const uids = await fill(11);
    const client = await bed.login('INBOX');
    await client.command('A1', 'STORE 3,4,7,11 +FLAGS.SILENT (\\Deleted)');
    expect(await client.command('A2', 'EXPUNGE')).toEqual(['* 3 EXPUNGE', '* 3 EXPUNGE', '* 5 EXPUNGE', '* 8 EXPUNGE', 'A2 OK EXPUNGE completed']);
    const left = [0, 1, 4, 5, 7, 8, 9].map((i, n) => `* ${n + 1} FETCH (UID ${uids[i]})`);
    expect(await client.command('A3', 'FETCH 1:* (UID)')).toEqual([...left, 'A3 OK FETCH completed']);
    await client.command('A4', 'STORE 1:* +FLAGS.SILENT (\\Deleted)');
    await client.command('A5', 'EXPUNGE');
  });

  it('removes \\Deleted messages, announcing each with its sequence number at that moment', async () => {
    const uids = await fill(4);
    const client = await bed.login('INBOX');
    await client.command('A1', 'STORE 2:3 +FLAGS.SILENT (\\Deleted)');
    expect(await client.command('A2', 'EXPUNGE')).toEqual(['* 2 EXPUNGE', '* 2 EXPUNGE', 'A2 OK EXPUNGE completed']);
    expect(await client.command('A3', 'UID FETCH 1:* (UID)')).toEqual([`* 1 FETCH (UID ${uids[0]})`, `* 2 FETCH (UID ${uids[3]})`, 'A3 OK UID FETCH completed']);
    expect(await client.command('A4', 'EXPUNGE')).toEqual(['A4 OK EXPUNGE completed']);
    await client.command('A5', 'STORE 1:* +FLAGS.SILENT (\\Deleted)');
    await client.command('A6', 'EXPUNGE');
  });

  it('removes only the named UIDs with UID EXPUNGE (RFC 4315)', async () => {
    const uids = await fill(3);
    const client = await bed.login('INBOX');
    await client.command('A1', 'STORE 1:3 +FLAGS.SILENT (\\Deleted)');
    expect(await client.command('A2', `UID EXPUNGE ${uids[1]}:${uids[2]}`)).toEqual(['* 2 EXPUNGE', '* 2 EXPUNGE', 'A2 OK UID EXPUNGE completed']);
    expect(await client.command('A3', 'SEARCH DELETED')).toEqual(['* SEARCH 1', 'A3 OK SEARCH completed']);
    expect((await client.command('A4', 'UID EXPUNGE'))[0]).toMatch(/^A4 BAD /);
    await client.command('A5', 'EXPUNGE');
  });

  it('holds EXPUNGE back from another session during FETCH, STORE and SEARCH', async () => {
    await fill(2);
    const watcher = await bed.login('INBOX');
    const client = await bed.login('INBOX');
    await client.command('A1', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    await client.command('A2', 'EXPUNGE');
    expect(await watcher.command('W1', 'FETCH 2 (FLAGS)')).toEqual(['* 2 FETCH (FLAGS ())', 'W1 OK FETCH completed']);
    expect(await watcher.command('W2', 'STORE 2 +FLAGS (\\Flagged)')).toEqual(['* 2 FETCH (FLAGS (\\Flagged))', 'W2 OK STORE completed']);
    expect(await watcher.command('W3', 'SEARCH FLAGGED')).toEqual(['* SEARCH 2', 'W3 OK SEARCH completed']);
    expect(await watcher.command('W4', 'UID SEARCH FLAGGED')).toEqual([expect.stringMatching(/^\* SEARCH \d+$/), '* 1 EXPUNGE', 'W4 OK UID SEARCH completed']);
    expect(await watcher.command('W5', 'FETCH 1 (FLAGS)')).toEqual(['* 1 FETCH (FLAGS (\\Flagged))', 'W5 OK FETCH completed']);
    await client.command('A3', 'STORE 1:* +FLAGS.SILENT (\\Deleted)');
    await client.command('A4', 'EXPUNGE');
  });

  it('refuses EXPUNGE in a mailbox opened with EXAMINE', async () => {
    const client = await bed.login();
    await client.command('E', 'EXAMINE INBOX');
    expect(await client.command('A1', 'EXPUNGE')).toEqual(['A1 NO [CANNOT] The mailbox is read-only']);
  });

  it('works for imapflow', async () => {
    const uids = await fill(2);
    const client = await bed.imapflow();
    await client.mailboxOpen('INBOX');
    expect(await client.messageDelete(String(uids[0]), { uid: true })).toBe(true);
    expect((await client.fetchAll('1:*', { uid: true })).map((m) => m.uid)).toEqual([uids[1]]);
  });
});
