import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEW_MESSAGES } from '../../src/imap/message-rows.js';
import { startMessageTestBed, textMessage, type MessageTestBed } from './message-fixtures.js';

/**
 * Message commands read only the rows they name when they name a few (src/imap/message-rows.ts),
 * and scan the mailbox once when they name many: both ways must answer the same.
 */
let bed: MessageTestBed;
const uids: number[] = [];
const COUNT = FEW_MESSAGES + 20;

beforeAll(async () => {
  bed = await startMessageTestBed();
  const delivered = await Promise.all(Array.from({ length: COUNT }, (_, i) => bed.deliver(textMessage(`Thư số ${i + 1}`))));
  uids.push(...delivered.sort((a, b) => a - b));
  // \Recent is not what these tests are about: no session gets it.
  await bed.store.claimRecent((await bed.store.getMailbox(bed.account, 'INBOX'))!.id);
});
afterAll(async () => {
  await bed?.close();
});

describe('rows of the messages a command names', () => {
  it('FETCH answers the same for a few messages and for more than FEW_MESSAGES', async () => {
    const client = await bed.login('INBOX');
    await client.command('F', `UID STORE ${uids[1]},${uids[COUNT - 2]} +FLAGS.SILENT (\\Flagged)`);
    expect(await client.command('A1', `FETCH 2,${COUNT - 1} (UID FLAGS)`)).toEqual([
      `* 2 FETCH (UID ${uids[1]} FLAGS (\\Flagged))`,
      `* ${COUNT - 1} FETCH (UID ${uids[COUNT - 2]} FLAGS (\\Flagged))`,
      'A1 OK FETCH completed',
    ]);
    const all = await client.command('A2', 'FETCH 1:* (UID FLAGS)');
    expect(all).toHaveLength(COUNT + 1);
    expect(all[1]).toBe(`* 2 FETCH (UID ${uids[1]} FLAGS (\\Flagged))`);
    expect(all[COUNT - 2]).toBe(`* ${COUNT - 1} FETCH (UID ${uids[COUNT - 2]} FLAGS (\\Flagged))`);
    expect(all[COUNT - 1]).toBe(`* ${COUNT} FETCH (UID ${uids[COUNT - 1]} FLAGS ())`);
    expect(all.at(-1)).toBe('A2 OK FETCH completed');
  });

  it('CHANGEDSINCE over the whole mailbox reports only the changed rows (RFC 7162 §3.1.4)', async () => {
    const client = await bed.login('INBOX');
    const highest = Math.max(...(await client.command('H', 'FETCH 1:* (MODSEQ)')).flatMap((line) => /MODSEQ \((\d+)\)/.exec(line)?.[1] ?? []).map(Number));
    await client.command('S', `UID STORE ${uids[COUNT - 1]} +FLAGS.SILENT (\\Seen)`);
    const changed = await client.command('C', `UID FETCH 1:* (UID FLAGS) (CHANGEDSINCE ${highest})`);
    expect(changed).toEqual([expect.stringMatching(new RegExp(`^\\* ${COUNT} FETCH \\(UID ${uids[COUNT - 1]} FLAGS \\(\\\\Seen\\) MODSEQ \\(\\d+\\)\\)$`)), 'C OK UID FETCH completed']);
  });

  it('STORE without .SILENT reports every message named, changed or not, also beyond FEW_MESSAGES', async () => {
    const client = await bed.login('INBOX');
    const answer = await client.command('A', 'STORE 1:* +FLAGS (\\Flagged)');
    expect(answer).toHaveLength(COUNT + 1);
    expect(answer[0]).toBe(`* 1 FETCH (FLAGS (\\Flagged))`);
    expect(answer[1]).toBe(`* 2 FETCH (FLAGS (\\Flagged))`);
    expect(answer.at(-1)).toBe('A OK STORE completed');
  });
});
