import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { junkVerdict } from '../../src/imap/junk-learning.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { openBayesStore, type BayesStore } from '../../src/store/bayes.js';
import type { MailboxInfo, SpecialUse } from '../../src/store/types.js';
import { startMessageTestBed, textMessage, type MessageTestBed } from './message-fixtures.js';

let bed: MessageTestBed;
let db: Db;
let bayes: BayesStore;

beforeAll(async () => {
  bed = await startMessageTestBed();
  // A second connection to the server's database, as the CLI would open it.
  db = openDatabase(bed.server.config.paths.database);
  bayes = openBayesStore(db);
});
afterAll(async () => {
  db?.close();
  await bed?.close();
});

/** Learning happens after the tagged response: wait for the totals to reach `expected`. */
async function totalsBecome(expected: { spam: number; ham: number }): Promise<void> {
  await vi.waitFor(() => expect(bayes.totals()).toEqual(expected), { timeout: 5000, interval: 20 });
}

describe('Bayes learns from Junk', () => {
  it('reads a move between special-use folders as spam, ham or nothing', () => {
    const box = (specialUse: SpecialUse | null) => ({ specialUse }) as MailboxInfo;
    expect(junkVerdict(box(null), box('\\Junk'))).toBe('spam');
    expect(junkVerdict(box('\\Sent'), box('\\Junk'))).toBe('spam');
    expect(junkVerdict(box('\\Junk'), box(null))).toBe('ham');
    expect(junkVerdict(box('\\Junk'), box('\\Archive'))).toBe('ham');
    expect(junkVerdict(box('\\Junk'), box('\\Trash'))).toBeNull();
    expect(junkVerdict(box('\\Junk'), box('\\Junk'))).toBeNull();
    expect(junkVerdict(box(null), box('\\Trash'))).toBeNull();
    expect(junkVerdict(box('\\Trash'), box(null))).toBeNull();
  });

  it('learns spam when imapflow moves a message into Junk, and ham when it moves it back', async () => {
    const uid = await bed.deliver(textMessage('Khuyến mãi lớn, nhận quà ngay', 'Bấm vào http://qua-tang.example/ để nhận thưởng'));
    const client = await bed.imapflow();
    await client.mailboxOpen('INBOX');
    const moved = await client.messageMove(String(uid), 'Junk', { uid: true });
    await totalsBecome({ spam: 1, ham: 0 });

    await client.mailboxOpen('Junk');
    await client.messageMove(String(moved && moved.uidMap!.get(uid)), 'INBOX', { uid: true });
    // The same bytes move from spam to ham: one message learnt, not two.
    await totalsBecome({ spam: 0, ham: 1 });
    await client.logout();
  });

  it('learns from COPY into Junk; not from a move out of Junk into Trash, nor from APPEND into Junk', async () => {
    const before = bayes.totals();
    const spamUid = await bed.deliver(textMessage('Vay tiền nhanh không cần thế chấp'));
    const client = await bed.login('INBOX');
    const copied = await client.command('C1', `UID COPY ${spamUid} Junk`);
    expect(copied.at(-1)).toMatch(/^C1 OK \[COPYUID \d+ \d+ \d+\] UID COPY completed$/);
    await totalsBecome({ spam: before.spam + 1, ham: before.ham });

    // Junk → Trash: the user deleted it, which says nothing about whether it was spam.
    expect((await client.command('S', 'SELECT Junk')).at(-1)).toBe('S OK [READ-WRITE] SELECT completed');
    expect((await client.command('M1', 'MOVE 1:* Trash')).at(-1)).toBe('M1 OK MOVE completed');
    // An upload into Junk (a sync tool, a migration) is not a judgement either.
    const upload = textMessage('Tải lên từ mbsync');
    client.send(`A1 APPEND Junk {${upload.length}+}\r\n`);
    client.send(upload);
    client.send('\r\n');
    expect((await client.until((line) => line.startsWith('A1 '))).at(-1)).toMatch(/^A1 OK \[APPENDUID \d+ \d+\] APPEND completed$/);
    // Something learnable after them: once it is counted, the two above would have been too.
    const marker = await bed.deliver(textMessage('Trúng thưởng xổ số'));
    await client.command('S2', 'SELECT INBOX');
    await client.command('M2', `UID MOVE ${marker} Junk`);
    await totalsBecome({ spam: before.spam + 2, ham: before.ham });
  });

  it('answers the command whatever learning does', async () => {
    const uid = await bed.deliver(textMessage('Thư rác'));
    const learn = vi.spyOn(bed.server.server.context.filters, 'learn').mockRejectedValue(new Error('bayes store is down'));
    try {
      const client = await bed.login('INBOX');
      expect((await client.command('M', `UID MOVE ${uid} Junk`)).at(-1)).toBe('M OK UID MOVE completed');
      await vi.waitFor(() => expect(learn).toHaveBeenCalledWith('spam', expect.any(Buffer), expect.stringContaining('@')));
      expect(await client.command('N', 'NOOP')).toEqual(['N OK NOOP completed']);
    } finally {
      learn.mockRestore();
    }
  });
});
