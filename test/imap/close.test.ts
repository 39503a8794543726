import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MailboxId } from '../../src/store/types.js';
import { ANNV, loggedIn, message, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer();
});
afterAll(async () => {
  await server.close();
});

async function fill(name: string): Promise<MailboxId> {
  const box = await server.store.createMailbox(ANNV, name);
  await server.store.append(box.id, message('keep'));
  await server.store.append(box.id, message('drop'), { flags: ['\\Deleted'] });
  return box.id;
}

describe('CLOSE (RFC 3501 §6.4.2) and UNSELECT (RFC 3691)', () => {
  test('CLOSE expunges \\Deleted messages silently and leaves the selected state', async () => {
    const id = await fill('Đóng');
    const client = await loggedIn(server);
    await client.command('s', 'SELECT &ARAA8w-ng');
    expect(await client.command('c', 'CLOSE')).toEqual(['c OK CLOSE completed']);
    expect((await server.store.mailboxCounts(id)).messages).toBe(1);
    expect(await client.command('n', 'CLOSE')).toEqual(['n BAD CLOSE is not valid in the authenticated state']);
    client.close();
  });

  test('CLOSE after EXAMINE expunges nothing', async () => {
    const id = await fill('Xem');
    const client = await loggedIn(server);
    await client.command('e', 'EXAMINE Xem');
    expect(await client.command('c', 'CLOSE')).toEqual(['c OK CLOSE completed']);
    expect((await server.store.mailboxCounts(id)).messages).toBe(2);
    client.close();
  });

  test('UNSELECT leaves the mailbox as it was', async () => {
    const id = await fill('Bỏ');
    const client = await loggedIn(server);
    await client.command('s', 'SELECT B&Hs8-');
    expect(await client.command('u', 'UNSELECT')).toEqual(['u OK UNSELECT completed']);
    expect((await server.store.mailboxCounts(id)).messages).toBe(2);
    client.close();
  });
});

describe('CHECK (RFC 3501 §6.4.1), NOOP (§6.1.2) and LOGOUT (§6.1.3)', () => {
  test('CHECK and NOOP succeed; LOGOUT says BYE before OK and closes', async () => {
    const client = await loggedIn(server);
    await client.command('s', 'SELECT INBOX');
    expect(await client.command('c', 'CHECK')).toEqual(['c OK CHECK completed']);
    expect(await client.command('n', 'NOOP')).toEqual(['n OK NOOP completed']);
    expect(await client.command('l', 'LOGOUT')).toEqual(['* BYE Logging out', 'l OK LOGOUT completed']);
    expect(await client.waitClosed()).toBe(true);
  });
});
