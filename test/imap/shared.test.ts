import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { revokeDelegation } from '../../src/directory/index.js';
import { asAccountId } from '../../src/store/types.js';
import { CHANGE, imapflow, loggedIn, message, startImapTestServer, type ImapTestServer } from './support.js';

/** Issue 6: unit mailboxes in the shared namespace, as delegates and outsiders see them. */

const VPUBND = asAccountId('vpubnd@cantho.gov.vn');
let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer();
  server.server.addUnit('vpubnd', 'Văn phòng UBND thành phố');
  server.store.ensureAccount(VPUBND);
  await server.store.deliver([{ account: VPUBND, folder: 'INBOX' }], message('Chỉ thị của Chủ tịch'));
  server.server.grant('vpubnd', 'annv@cantho.gov.vn'); // default rights lrswite
  await server.addUser('ngoai', { unit: 'sotc' });
  await server.addUser('daott');
  server.server.grant('vpubnd', 'daott@cantho.gov.vn');
});
afterAll(async () => {
  await server.close();
});

describe('the shared namespace of unit mailboxes (RFC 2342, RFC 4314)', () => {
  test('NAMESPACE announces it to a delegate only', async () => {
    const delegate = await loggedIn(server);
    expect(await delegate.command('n', 'NAMESPACE')).toEqual(['* NAMESPACE (("" "/")) NIL (("Shared/" "/"))', 'n OK NAMESPACE completed']);
    const outsider = await loggedIn(server, 'ngoai');
    expect(await outsider.command('n', 'NAMESPACE')).toEqual(['* NAMESPACE (("" "/")) NIL NIL', 'n OK NAMESPACE completed']);
    delegate.close();
    outsider.close();
  });

  test('LIST shows the unit under \\Noselect parents with children, without special-use attributes', async () => {
    const client = await loggedIn(server);
    expect(await client.command('l1', 'LIST "" Shared/*')).toEqual([
      '* LIST (\\Noselect \\HasChildren) "/" Shared/vpubnd',
      '* LIST (\\HasNoChildren) "/" Shared/vpubnd/Archive',
      '* LIST (\\HasNoChildren) "/" Shared/vpubnd/Drafts',
      '* LIST (\\HasNoChildren) "/" Shared/vpubnd/INBOX',
      '* LIST (\\HasNoChildren) "/" Shared/vpubnd/Junk',
      '* LIST (\\HasNoChildren) "/" Shared/vpubnd/Sent',
      '* LIST (\\HasNoChildren) "/" Shared/vpubnd/Trash',
      'l1 OK LIST completed',
    ]);
    expect(await client.command('l2', 'LIST "" Shared/%')).toEqual(['* LIST (\\Noselect \\HasChildren) "/" Shared/vpubnd', 'l2 OK LIST completed']);
    expect(await client.command('l3', 'LIST "" %')).toContain('* LIST (\\Noselect \\HasChildren) "/" Shared');
    expect(await client.command('l4', 'LIST "" Shared/vpubnd/INBOX RETURN (STATUS (MESSAGES))')).toEqual([
      '* LIST (\\HasNoChildren) "/" Shared/vpubnd/INBOX',
      '* STATUS Shared/vpubnd/INBOX (MESSAGES 1)',
      'l4 OK LIST completed',
    ]);
    client.close();
  });

  test('a delegate selects the unit INBOX read-write, and the opening is audited', async () => {
    const client = await loggedIn(server);
    // The unit's tên_sd and INBOX are case-insensitive, the prefix is not.
    const reply = await client.command('s', 'SELECT Shared/VPUBND/inbox');
    expect(reply).toContain('* 1 EXISTS');
    expect(reply.at(-1)).toBe('s OK [READ-WRITE] SELECT completed');
    const row = server.directory.queryAudit({ subject: VPUBND }).filter((r) => r.action === 'delegate.open').at(-1);
    expect(row).toMatchObject({ actor: 'annv@cantho.gov.vn', subject: 'vpubnd@cantho.gov.vn' });
    client.close();
  });

  test('IDLE on the shared INBOX sees new unit mail', async () => {
    const client = await loggedIn(server);
    const reply = await client.command('s', 'SELECT Shared/vpubnd/INBOX');
    const exists = Number(/^\* (\d+) EXISTS$/.exec(reply.find((l) => l.endsWith(' EXISTS'))!)![1]);
    client.send('i IDLE\r\n');
    await client.readLine();
    await server.store.deliver([{ account: VPUBND, folder: 'INBOX' }], message('Giấy mời'));
    expect(await client.readLine(1000)).toBe(`* ${exists + 1} EXISTS`);
    client.send('DONE\r\n');
    await client.until((l) => l.startsWith('i '));
    client.close();
  });

  test('rights limit changes: no k, no CREATE; no x, no DELETE or RENAME', async () => {
    const client = await loggedIn(server);
    expect(await client.command('c', 'CREATE Shared/vpubnd/New')).toEqual(['c NO [NOPERM] You may not create mailboxes here']);
    expect(await client.command('d', 'DELETE Shared/vpubnd/Archive')).toEqual(['d NO [NOPERM] You may not delete this mailbox here']);
    expect(await client.command('r', 'RENAME Shared/vpubnd/Archive Shared/vpubnd/Old')).toEqual(['r NO [NOPERM] You may not rename this mailbox here']);
    expect(await client.command('m', 'RENAME Drafts Shared/vpubnd/Drafts2')).toEqual(['m NO [NOPERM] You may not create mailboxes here']);
    client.close();
  });

  test('a subscription to a shared mailbox persists', async () => {
    const client = await loggedIn(server);
    expect(await client.command('s', 'SUBSCRIBE Shared/vpubnd/INBOX')).toEqual(['s OK SUBSCRIBE completed']);
    client.close();
    const again = await loggedIn(server);
    expect(await again.command('l', 'LSUB "" Shared/*')).toEqual(['* LSUB () "/" Shared/vpubnd/INBOX', 'l OK LSUB completed']);
    expect(await again.command('x', 'LIST (SUBSCRIBED) "" Shared/*')).toEqual(['* LIST (\\HasNoChildren \\Subscribed) "/" Shared/vpubnd/INBOX', 'x OK LIST completed']);
    again.close();
  });

  test('an outsider gets the answers of a mailbox that does not exist, for every command', async () => {
    const client = await loggedIn(server, 'ngoai');
    const missing = 'NO [NONEXISTENT] No such mailbox';
    for (const [tag, command] of [
      ['s', 'SELECT Shared/vpubnd/INBOX'],
      ['e', 'EXAMINE Shared/vpubnd/INBOX'],
      ['t', 'STATUS Shared/vpubnd/INBOX (MESSAGES)'],
      ['d', 'DELETE Shared/vpubnd/Archive'],
      ['r', 'RENAME Shared/vpubnd/Archive Mine'],
      ['c', 'CREATE Shared/vpubnd/Mine'],
      ['q', 'GETQUOTAROOT Shared/vpubnd/INBOX'],
    ]) {
      expect(await client.command(tag!, command!)).toEqual([`${tag} ${missing}`]);
    }
    expect(await client.command('l', 'LIST "" *')).not.toContainEqual(expect.stringContaining('Shared'));
    expect(await client.command('n', 'SELECT Shared/nowhere/INBOX')).toEqual([`n ${missing}`]);
    client.close();
  });

  test('after revocation the unit disappears at the next command', async () => {
    const client = await loggedIn(server, 'daott');
    expect((await client.command('s1', 'STATUS Shared/vpubnd/INBOX (MESSAGES)'))[0]).toMatch(/^\* STATUS /);
    revokeDelegation(server.directory.context, 'vpubnd@cantho.gov.vn', 'daott@cantho.gov.vn', CHANGE);
    expect(await client.command('s2', 'STATUS Shared/vpubnd/INBOX (MESSAGES)')).toEqual(['s2 NO [NONEXISTENT] No such mailbox']);
    expect(await client.command('l', 'LIST "" Shared/*')).toEqual(['l OK LIST completed']);
    client.close();
  });

  test('imapflow sees the shared folders', async () => {
    const flow = imapflow(server);
    await flow.connect();
    const paths = (await flow.list()).map((m) => m.path);
    expect(paths).toContain('Shared/vpubnd/INBOX');
    const box = await flow.mailboxOpen('Shared/vpubnd/INBOX');
    expect(box.exists).toBeGreaterThanOrEqual(1);
    await flow.logout();
  });
});
