import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SelectedMailbox } from '../../src/imap/selected.js';
import { openDatabase } from '../../src/store/database.js';
import { SqliteMailStore } from '../../src/store/sqlite-store.js';
import type { MailboxInfo } from '../../src/store/types.js';
import { ANNV, loggedIn, message, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
let box: MailboxInfo;
beforeAll(async () => {
  server = await startImapTestServer();
  box = await server.store.createMailbox(ANNV, 'Chung');
});
afterAll(async () => {
  await server.close();
});

describe('unsolicited updates between sessions (RFC 3501 §5.2, §7.4.1)', () => {
  test('new mail, flag changes and expunges by others are announced before the next tagged reply', async () => {
    const first = (await server.store.append(box.id, message('1'))).uid;
    const second = (await server.store.append(box.id, message('2'))).uid;
    const client = await loggedIn(server);
    await client.command('s', 'SELECT Chung');

    const third = (await server.store.append(box.id, message('3'))).uid;
    expect(await client.command('n1', 'NOOP')).toEqual(['* 3 EXISTS', '* 3 RECENT', 'n1 OK NOOP completed']);

    await server.store.storeFlags(box.id, [second], 'add', ['\\Seen']);
    expect(await client.command('n2', 'NOOP')).toEqual([`* 2 FETCH (UID ${second} FLAGS (\\Seen \\Recent))`, 'n2 OK NOOP completed']);

    await server.store.storeFlags(box.id, [first, third], 'add', ['\\Deleted']);
    await server.store.expunge(box.id);
    expect(await client.command('n3', 'NOOP')).toEqual(['* 1 EXPUNGE', '* 2 EXPUNGE', 'n3 OK NOOP completed']);
    expect(await client.command('n4', 'NOOP')).toEqual(['n4 OK NOOP completed']);
    client.close();
  });

  test('nothing is written while no command is in progress', async () => {
    const client = await loggedIn(server);
    await client.command('s', 'SELECT Chung');
    await server.store.append(box.id, message('quiet'));
    await expect(client.readLine(300)).rejects.toThrow(/timed out/);
    expect((await client.command('n', 'NOOP'))[0]).toMatch(/^\* \d+ EXISTS$/);
    client.close();
  });

  test('after ENABLE CONDSTORE, flag updates carry MODSEQ', async () => {
    const uid = (await server.store.append(box.id, message('modseq'))).uid;
    const client = await loggedIn(server);
    await client.command('e', 'ENABLE CONDSTORE');
    await client.command('s', 'SELECT Chung');
    const { updated } = await server.store.storeFlags(box.id, [uid], 'add', ['$Done']);
    const [line] = await client.command('n', 'NOOP');
    expect(line).toMatch(new RegExp(`^\\* \\d+ FETCH \\(UID ${uid} FLAGS \\(\\$Done \\\\Recent\\) MODSEQ \\(${updated[0]!.modSeq}\\)\\)$`));
    client.close();
  });

  test('changes written by another process (the CLI) are found by a full resync', async () => {
    const client = await loggedIn(server);
    const reply = await client.command('s', 'SELECT Chung');
    const exists = Number(/^\* (\d+) EXISTS$/.exec(reply.find((l) => l.endsWith('EXISTS'))!)![1]);
    const other = new SqliteMailStore(openDatabase(server.context.config.paths.database));
    await other.append(box.id, message('from the CLI'));
    await other.close();
    // The store polls PRAGMA data_version and emits 'external'.
    await new Promise((r) => setTimeout(r, 1200));
    expect(await client.command('n', 'NOOP')).toEqual([`* ${exists + 1} EXISTS`, '* 1 RECENT', 'n OK NOOP completed']);
    client.close();
  });
});

describe('SelectedMailbox', () => {
  test('holds EXPUNGE back while a FETCH/STORE/SEARCH may not see it, but still reports new mail', async () => {
    const local = await startImapTestServer();

    const inbox = (await local.store.getMailbox(ANNV, 'INBOX'))!;
    const a = (await local.store.append(inbox.id, message('a'))).uid;
    const selected = new SelectedMailbox((await local.store.getMailbox(ANNV, 'INBOX'))!, false, await local.store.listMessages(inbox.id), []);
    local.store.events.on('change', (change) => selected.noteChange(change));
    await local.store.storeFlags(inbox.id, [a], 'add', ['\\Deleted']);
    await local.store.expunge(inbox.id);
    const b = (await local.store.append(inbox.id, message('b'))).uid;
    expect(selected.isExpunged(a)).toBe(true);

    const during = await selected.collectUpdates(local.store, { expungeAllowed: false, condstore: false, qresync: false });
    expect(during).toEqual([['2 EXISTS'], ['1 RECENT']]);
    expect([...selected.uids]).toEqual([a, b]);
    expect(selected.seqOf(b)).toBe(2);

    const after = await selected.collectUpdates(local.store, { expungeAllowed: true, condstore: false, qresync: false });
    expect(after).toEqual([['1 EXPUNGE']]);
    expect([...selected.uids]).toEqual([b]);
    expect(selected.seqOf(a)).toBe(0);
    expect(selected.uidAt(1)).toBe(b);
    await local.close();
  });
});
