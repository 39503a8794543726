import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { setUnitHead } from '../../src/directory/index.js';
import { asAccountId } from '../../src/store/types.js';
import { CHANGE, loggedIn, startImapTestServer, type ImapTestServer } from './support.js';

/** RFC 4314 SETACL, DELETEACL, GETACL, LISTRIGHTS, MYRIGHTS over the unit delegations of issue 6. */

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer();
  await server.addUser('truongvp', { unit: 'vpubnd' });
  setUnitHead(server.directory.context, 'vpubnd@cantho.gov.vn', 'truongvp@cantho.gov.vn', CHANGE);
  server.store.ensureAccount(asAccountId('vpubnd@cantho.gov.vn'));
  server.server.grant('vpubnd', 'annv@cantho.gov.vn');
  await server.addUser('daott');
  await server.addUser('ngoai', { unit: 'sotc' });
});
afterAll(async () => {
  await server.close();
});

describe('ACL (RFC 4314)', () => {
  test('the head reads the unit ACL and changes it; the change is a delegation on record', async () => {
    const head = await loggedIn(server, 'truongvp');
    expect(await head.command('g1', 'GETACL Shared/vpubnd/INBOX')).toEqual([
      '* ACL Shared/vpubnd/INBOX truongvp@cantho.gov.vn lrswipkxtea annv@cantho.gov.vn lrswite',
      'g1 OK GETACL completed',
    ]);
    expect(await head.command('s1', 'SETACL Shared/vpubnd/INBOX daott lrs')).toEqual(['s1 OK SETACL completed']);
    expect(await head.command('s2', 'SETACL Shared/vpubnd/INBOX daott +wd')).toEqual(['s2 OK SETACL completed']);
    expect(await head.command('s3', 'SETACL Shared/vpubnd/Sent daott -s')).toEqual(['s3 OK SETACL completed']);
    expect(await head.command('g2', 'GETACL Shared/vpubnd/Sent')).toEqual([
      '* ACL Shared/vpubnd/Sent truongvp@cantho.gov.vn lrswipkxtea annv@cantho.gov.vn lrswite daott@cantho.gov.vn lrwte',
      'g2 OK GETACL completed',
    ]);
    const actions = server.directory.queryAudit({ subject: 'vpubnd@cantho.gov.vn' }).map((r) => r.action);
    expect(actions.filter((a) => a.startsWith('delegate.')).length).toBeGreaterThanOrEqual(3);
    expect(await head.command('d', 'DELETEACL Shared/vpubnd/INBOX daott')).toEqual(['d OK DELETEACL completed']);
    expect((await head.command('g3', 'GETACL Shared/vpubnd/INBOX'))[0]).not.toContain('daott');
    head.close();
  });

  test('MYRIGHTS and LISTRIGHTS', async () => {
    const delegate = await loggedIn(server);
    expect(await delegate.command('m1', 'MYRIGHTS Shared/vpubnd/INBOX')).toEqual(['* MYRIGHTS Shared/vpubnd/INBOX lrswite', 'm1 OK MYRIGHTS completed']);
    expect(await delegate.command('m2', 'MYRIGHTS INBOX')).toEqual(['* MYRIGHTS INBOX lrswipkxtea', 'm2 OK MYRIGHTS completed']);
    expect(await delegate.command('l1', 'LISTRIGHTS INBOX annv')).toEqual(['* LISTRIGHTS INBOX annv lrswipkxtea', 'l1 OK LISTRIGHTS completed']);
    expect(await delegate.command('l2', 'LISTRIGHTS INBOX daott')).toEqual(['* LISTRIGHTS INBOX daott "" l r s w i p k x t e a', 'l2 OK LISTRIGHTS completed']);
    delegate.close();
  });

  test('a delegate without "a" may not read or change the ACL', async () => {
    const delegate = await loggedIn(server);
    expect(await delegate.command('g', 'GETACL Shared/vpubnd/INBOX')).toEqual(['g NO [NOPERM] You may not administer this mailbox']);
    expect(await delegate.command('s', 'SETACL Shared/vpubnd/INBOX daott lr')).toEqual(['s NO [NOPERM] You may not administer this mailbox']);
    expect(await delegate.command('d', 'DELETEACL Shared/vpubnd/INBOX annv')).toEqual(['d NO [NOPERM] You may not administer this mailbox']);
    delegate.close();
  });

  test('an outsider learns nothing: the unit mailbox does not exist for them', async () => {
    const outsider = await loggedIn(server, 'ngoai');
    for (const [tag, command] of [
      ['g', 'GETACL Shared/vpubnd/INBOX'],
      ['s', 'SETACL Shared/vpubnd/INBOX ngoai lr'],
      ['m', 'MYRIGHTS Shared/vpubnd/INBOX'],
      ['l', 'LISTRIGHTS Shared/vpubnd/INBOX ngoai'],
    ]) {
      expect(await outsider.command(tag!, command!)).toEqual([`${tag} NO [NONEXISTENT] No such mailbox`]);
    }
    outsider.close();
  });

  test('personal mailboxes are not shared; bad rights are BAD', async () => {
    const client = await loggedIn(server, 'truongvp');
    expect(await client.command('g', 'GETACL INBOX')).toEqual(['* ACL INBOX truongvp@cantho.gov.vn lrswipkxtea', 'g OK GETACL completed']);
    expect(await client.command('s1', 'SETACL INBOX daott lr')).toEqual(['s1 NO [CANNOT] personal mailboxes are not shared: only a unit mailbox has delegates']);
    expect((await client.command('s2', 'SETACL Shared/vpubnd/INBOX daott lrz'))[0]).toMatch(/^s2 BAD invalid rights "lrz"/);
    expect((await client.command('s3', 'SETACL Shared/vpubnd/INBOX nobody lr'))[0]).toMatch(/^s3 NO \[CANNOT\] /);
    client.close();
  });
});
