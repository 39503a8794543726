import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectionsOpen } from '../../src/metrics.js';
import { ANNV, PASSWORD, RawClient, imapflow, loggedIn, message, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer({ imap: { idle_keepalive: '300ms', max_connections_per_user: 3 } });
});
afterAll(async () => {
  await server.close();
});

async function idling(): Promise<RawClient> {
  const client = await loggedIn(server);
  await client.command('s', 'SELECT INBOX');
  client.send('i IDLE\r\n');
  expect(await client.readLine()).toBe('+ idling');
  return client;
}

describe('IDLE (RFC 2177)', () => {
  test('a delivery reaches an IDLE session (latency printed)', async () => {
    const client = await idling();
    const exists = (await server.store.mailboxCounts((await server.store.getMailbox(ANNV, 'INBOX'))!.id)).messages;
    const started = Date.now();
    await server.store.deliver([{ account: ANNV, folder: 'INBOX' }], message('Công văn mới'));
    expect(await client.until((l) => /RECENT$/.test(l), 30_000)).toEqual([`* ${exists + 1} EXISTS`, '* 1 RECENT']);
    console.log(`IDLE: EXISTS ${Date.now() - started} ms after the delivery`);
    client.send('DONE\r\n');
    expect(await client.readLine()).toBe('i OK IDLE terminated');
    client.close();
  });

  test('expunges and flag changes by others are sent at once while idling', async () => {
    const inbox = (await server.store.getMailbox(ANNV, 'INBOX'))!;
    const a = (await server.store.append(inbox.id, message('a'))).uid;
    const b = (await server.store.append(inbox.id, message('b'))).uid;
    const client = await idling();
    const seqB = (await server.store.listMessages(inbox.id)).findIndex((r) => r.uid === b) + 1;
    await server.store.storeFlags(inbox.id, [b], 'add', ['\\Flagged']);
    // This session took \Recent at SELECT (RFC 3501 §2.3.2), so it shows with the new flag.
    expect(await client.readLine(1000)).toBe(`* ${seqB} FETCH (UID ${b} FLAGS (\\Flagged \\Recent))`);
    await server.store.storeFlags(inbox.id, [a], 'add', ['\\Deleted']);
    await client.readLine(1000);
    await server.store.expunge(inbox.id, [a]);
    expect(await client.readLine(1000)).toBe(`* ${seqB - 1} EXPUNGE`);
    client.send('DONE\r\n');
    expect(await client.readLine()).toBe('i OK IDLE terminated');
    client.close();
  });

  test('keeps the connection alive with "* OK Still here"', async () => {
    const client = await idling();
    expect(await client.readLine(2000)).toBe('* OK Still here');
    client.send('DONE\r\n');
    expect(await client.until((l) => l.startsWith('i '))).toContain('i OK IDLE terminated');
    client.close();
  });

  test('anything but DONE ends IDLE with BAD; IDLE works without a selected mailbox too', async () => {
    const client = await loggedIn(server);
    client.send('i IDLE\r\n');
    expect(await client.readLine()).toBe('+ idling');
    client.send('NOOP\r\n');
    expect(await client.readLine()).toBe('i BAD Expected DONE to end IDLE');
    expect(await client.command('n', 'NOOP')).toEqual(['n OK NOOP completed']);
    client.close();
  });

  test('a client that disconnects in IDLE is forgotten (its connection no longer counts)', async () => {
    // Until the server has seen every closed connection go (earlier tests' too): its per-user
    // count drops as the socket closes, which takes a while on a loaded machine.
    const allClosed = () => expect.poll(() => connectionsOpen.value({ listener: 'imap' }), { timeout: 30_000 }).toBe(0);
    await allClosed();
    const clients = [await idling(), await idling(), await idling()];
    for (const client of clients) client.close();
    await allClosed();
    const again = await RawClient.connect(server.ports.imap);
    expect((await again.command('l', `LOGIN annv "${PASSWORD}"`))[0]).toMatch(/^l OK /);
    await server.store.deliver([{ account: ANNV, folder: 'INBOX' }], message('after the disconnect'));
    expect(await again.command('n', 'NOOP')).toEqual(['n OK NOOP completed']);
    again.close();
  });

  test('a message sent with swaks to the MX reaches an IDLEing imapflow session within a second', async () => {
    const flow = imapflow(server);
    await flow.connect();
    await flow.mailboxOpen('INBOX');
    const before = (flow.mailbox as { exists: number }).exists;
    const heard = new Promise<number>((resolve) => flow.on('exists', () => resolve(Date.now())));
    const idle = flow.idle();
    await new Promise((r) => setTimeout(r, 50));
    let accepted = 0;
    await new Promise<void>((resolve, reject) => {
      const swaks = spawn('swaks', ['--server', `127.0.0.1:${server.ports.mx}`, '--from', 'someone@example.org', '--to', 'annv@cantho.gov.vn', '--header', 'Subject: Giấy mời họp', '--body', 'Kính mời anh An dự họp.', '--silent', '2']);
      swaks.on('error', reject);
      swaks.on('exit', (code) => {
        accepted = Date.now();
        if (code === 0) resolve();
        else reject(new Error(`swaks exited with ${code}`));
      });
    });
    const at = await heard;
    // swaks exits after QUIT, so the 250 came earlier; the latency is a figure, not a bound.
    console.log(`IDLE (imapflow): EXISTS ${Math.max(0, at - accepted)} ms after swaks finished`);
    expect((await server.store.mailboxCounts((await server.store.getMailbox(ANNV, 'INBOX'))!.id)).messages).toBe(before + 1);
    await flow.logout();
    await idle.catch(() => undefined);
  });

  test('imapflow in IDLE hears about a delivery', async () => {
    const flow = imapflow(server);
    await flow.connect();
    await flow.mailboxOpen('INBOX');
    const heard = new Promise<number>((resolve) => flow.on('exists', (data: { count: number }) => resolve(data.count)));
    const idle = flow.idle();
    await new Promise((r) => setTimeout(r, 50));
    const before = (await server.store.mailboxCounts((await server.store.getMailbox(ANNV, 'INBOX'))!.id)).messages;
    await server.store.deliver([{ account: ANNV, folder: 'INBOX' }], message('imapflow idle'));
    expect(await heard).toBe(before + 1);
    await flow.logout();
    await idle.catch(() => undefined);
  });
});
