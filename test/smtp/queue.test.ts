import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, test } from 'vitest';
import { ANNV, PASSWORD, restartableServer, startHarness, startInternet, waitFor, type DnsTable, type Harness } from './harness.js';
import { RawSmtp } from './raw-client.js';
import { runCli, runCliInProcess } from '../cli/cli-helpers.js';

const DNS: DnsTable = {
  'example.org MX': [{ exchange: 'mx.example.org', priority: 10 }],
  'mx.example.org A': ['127.0.0.1'],
  'nomail.example MX': [{ exchange: '', priority: 0 }],
};

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A port nothing listens on: connections are refused, like an MX that is down. */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Submits one message as annv over submission (STARTTLS + AUTH PLAIN). */
async function submit(h: Harness, recipients: readonly string[], subject: string): Promise<string> {
  const client = await RawSmtp.connect(h.submission);
  await client.hello();
  await client.startTls();
  await client.command('EHLO client.example.org');
  await client.command(`AUTH PLAIN ${Buffer.from(`\0annv\0${PASSWORD}`).toString('base64')}`);
  await client.command('MAIL FROM:<annv@cantho.gov.vn>');
  for (const r of recipients) expect(await client.command(`RCPT TO:<${r}>`)).toBe('250 2.1.5 Accepted');
  await client.command('DATA');
  const reply = await client.command(`From: annv@cantho.gov.vn\r\nTo: ${recipients.join(', ')}\r\nSubject: ${subject}\r\n\r\nbody\r\n.`);
  await client.quit();
  return reply;
}

async function dsns(h: Harness): Promise<Buffer[]> {
  return (await h.messages(ANNV)).filter((m) => m.includes('report-type=delivery-status'));
}

describe('outbound queue', () => {
  test('per-recipient outcomes: accepted once, refused → DSN, deferred → retried then expired → DSN', async () => {
    const internet = await startInternet();
    cleanups.push(() => internet.close());
    const h = await startHarness({
      dns: DNS,
      config: { smtp: { queue_retry_base: '300ms', queue_max_age: '2s' } },
      smtp: { queueWorker: { mxPort: internet.port, pollIntervalMs: 100 } },
    });
    cleanups.push(() => h.close());

    expect(await submit(h, ['ok@example.org', 'reject-me@example.org', 'defer-me@example.org'], 'three fates')).toBe('250 2.6.0 Message accepted for delivery');

    const refused = await waitFor(async () => (await dsns(h))[0]);
    const report = await simpleParser(refused);
    expect(report.subject).toBe('Thư không gửi được / Undelivered Mail Returned to Sender');
    expect(report.from?.value).toEqual([{ name: 'Mail Delivery System', address: 'mailer-daemon@cantho.gov.vn' }]);
    expect(report.headers.get('content-type')).toMatchObject({ value: 'multipart/report', params: { 'report-type': 'delivery-status' } });
    const status = refused.toString();
    expect(status).toContain('Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mail.cantho.gov.vn\r\n');
    expect(status).toMatch(/Final-Recipient: rfc822; reject-me@example\.org\r\nAction: failed\r\nStatus: 5\.1\.1\r\nDiagnostic-Code: smtp; 550 5\.1\.1 no such user\r\n/);
    expect(status).toContain('Content-Type: text/rfc822-headers\r\n\r\n');
    expect(status).toContain('Subject: three fates');

    // The deferred recipient is tried again (and again) until queue_max_age, then a second DSN.
    const expired = await waitFor(async () => (await dsns(h))[1]);
    expect(expired.toString()).toMatch(/Final-Recipient: rfc822; defer-me@example\.org\r\nAction: failed\r\nStatus: 4\.4\.7\r\n/);
    expect(expired.toString()).not.toContain('reject-me@example.org\r\n');

    // ok@example.org got the message exactly once, though its message was attempted several times.
    expect(internet.received.filter((m) => m.to.includes('ok@example.org'))).toHaveLength(1);
    expect(internet.received.flatMap((m) => m.to)).toEqual(['ok@example.org']);
    // The DSN is readable once committed, a moment before its delivery resolves (the WAL fsync,
    // src/store/group-commit.ts) and the worker removes the finished entry.
    await waitFor(async () => (await h.ctx.queue.list()).length === 0 || undefined);
  });

  test('with smtp.relay set, everything goes to the smarthost whatever the MX records say', async () => {
    const internet = await startInternet();
    cleanups.push(() => internet.close());
    const h = await startHarness({ dns: DNS, config: { smtp: { relay: `127.0.0.1:${internet.port}` } }, smtp: { queueWorker: { mxPort: await deadPort(), pollIntervalMs: 100 } } });
    cleanups.push(() => h.close());
    await submit(h, ['a@example.org', 'b@nomail.example'], 'via smarthost');
    await waitFor(() => internet.received.length === 2 || undefined);
    expect(internet.received.map((m) => m.to).sort()).toEqual([['a@example.org'], ['b@nomail.example']]);
  });

  test('MAIL FROM to the remote server declares SIZE (RFC 1870) and BODY=8BITMIME (RFC 6152) for UTF-8 text', async () => {
    const internet = await startInternet();
    cleanups.push(() => internet.close());
    const h = await startHarness({ dns: DNS, config: { smtp: { relay: `127.0.0.1:${internet.port}` } }, smtp: { queueWorker: { mxPort: await deadPort(), pollIntervalMs: 100 } } });
    cleanups.push(() => h.close());
    await submit(h, ['a@example.org'], 'Giấy mời họp giao ban');
    await waitFor(() => internet.received.length === 1 || undefined);
    const [sent] = internet.received;
    expect(sent!.mailFromArgs.BODY).toBe('8BITMIME');
    expect(Number(sent!.mailFromArgs.SIZE)).toBe(sent!.raw.length);
    expect(sent!.raw.toString('utf8')).toContain('Subject: Giấy mời họp giao ban');
  });

  test('a null MX (RFC 7505) fails at once with a DSN', async () => {
    const h = await startHarness({ dns: DNS, smtp: { queueWorker: { mxPort: await deadPort(), pollIntervalMs: 100 } } });
    cleanups.push(() => h.close());
    await submit(h, ['someone@nomail.example'], 'to nowhere');
    const dsn = await waitFor(async () => (await dsns(h))[0]);
    expect(dsn.toString()).toMatch(/Final-Recipient: rfc822; someone@nomail\.example\r\nAction: failed\r\nStatus: 5\.1\.10\r\n/);
  });

  test('queued mail survives a restart and is delivered once when the remote server is back', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cm-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const down = await restartableServer(dir, { dns: DNS, smtp: { queueWorker: { mxPort: await deadPort(), pollIntervalMs: 100 } } });
    await submit(down, ['later@example.org'], 'survivor');
    await waitFor(async () => (await down.ctx.queue.list())[0]?.recipients[0]?.attempts === 1 || undefined);
    const [queued] = await down.ctx.queue.list();
    expect(queued!.recipients).toMatchObject([{ address: 'later@example.org', state: 'pending', attempts: 1 }]);
    expect(queued!.recipients[0]!.lastError).toMatch(/ECONNREFUSED|connect/i);
    await down.close();

    const internet = await startInternet();
    cleanups.push(() => internet.close());
    const up = await restartableServer(dir, { dns: DNS, smtp: { queueWorker: { mxPort: internet.port, pollIntervalMs: 100 } } });
    cleanups.push(() => up.close());
    await up.ctx.queue.retry(queued!.id, new Date());
    const delivered = await waitFor(() => internet.received.find((m) => m.to.includes('later@example.org')));
    expect(delivered.raw.toString()).toContain('Subject: survivor');
    await waitFor(async () => (await up.ctx.queue.list()).length === 0 || undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect(internet.received.filter((m) => m.to.includes('later@example.org'))).toHaveLength(1);
  });
});

test('cantho-mail queue list|retry|delete', async () => {
  const h = await startHarness({ dns: DNS, smtp: { queueWorker: { mxPort: await deadPort(), pollIntervalMs: 100 } } });
  cleanups.push(() => h.close());
  await submit(h, ['waiting@example.org'], 'queued');
  await waitFor(async () => (await h.ctx.queue.list())[0]?.recipients[0]?.attempts === 1 || undefined);
  const config = path.join(h.dir, 'cli.toml');
  writeFileSync(config, `[server]\ndata_dir = ${JSON.stringify(h.dir)}\nlog_level = "silent"\n`);

  // Once as its own process, as an admin runs it beside serve; the rest in this process.
  const list = await runCli(['queue', 'list', '--config', config, '--json']);
  expect(list.code).toBe(0);
  const [entry] = JSON.parse(list.stdout) as Array<{ id: number; sender: string; recipients: Array<{ address: string; state: string }> }>;
  expect(entry).toMatchObject({ sender: 'annv@cantho.gov.vn', recipients: [{ address: 'waiting@example.org', state: 'pending' }] });

  const text = await runCliInProcess(['queue', 'list', '--config', config]);
  expect(text.stdout).toMatch(new RegExp(`^${entry!.id}\\t\\S+\\t\\d+ bytes\\t<annv@cantho\\.gov\\.vn>\\n\\twaiting@example\\.org\\tpending\\tattempts=\\d+\\tnext=`));

  expect(await runCliInProcess(['queue', 'retry', String(entry!.id), '--config', config])).toMatchObject({ code: 0, stdout: `message ${entry!.id} will be retried now\n` });
  expect(await runCliInProcess(['queue', 'delete', String(entry!.id), '--config', config])).toMatchObject({ code: 0, stdout: `message ${entry!.id} deleted\n` });
  expect(await runCliInProcess(['queue', 'delete', String(entry!.id), '--config', config])).toMatchObject({ code: 1, stderr: `error: no queued message ${entry!.id}\n` });
  expect(await runCliInProcess(['queue', 'retry', 'abc', '--config', config])).toMatchObject({ code: 1, stderr: 'error: not a queue id: "abc"\n' });
  expect(await h.ctx.queue.list()).toEqual([]);
});
