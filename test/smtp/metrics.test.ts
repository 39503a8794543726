import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { swaks } from './clients.js';

/**
 * What SMTP and the filters report at /metrics (src/metrics.ts), read over HTTP from the web
 * listener of the same server, as Prometheus would scrape it. Counters are compared before and
 * after, so the test does not depend on what else ran in this process.
 */
describe('SMTP metrics at /metrics', () => {
  let server: TestServer;
  let annv: TestUser;

  beforeAll(async () => {
    // No queue worker: a message for a remote recipient stays queued, so the queue length is 1.
    server = await startTestServer({ smtp: { queueWorker: false } });
    annv = await server.addUser('Nguyễn Văn An', { address: 'annv' });
  });
  afterAll(() => server?.close());

  /** Every sample of the exposition, `name{labels}` → value. */
  async function scrape(): Promise<Map<string, number>> {
    const response = await fetch(`http://127.0.0.1:${server.ports.http}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const samples = new Map<string, number>();
    for (const line of (await response.text()).split('\n')) {
      const match = /^(\S+) (\S+)$/.exec(line);
      if (match && !line.startsWith('#')) samples.set(match[1]!, Number(match[2]));
    }
    return samples;
  }

  function delta(before: Map<string, number>, after: Map<string, number>, sample: string): number {
    return (after.get(sample) ?? 0) - (before.get(sample) ?? 0);
  }

  test('MX: an accepted message, a refused recipient, connections and filter latency move the counters', async () => {
    const before = await scrape();
    const accepted = await swaks(['--server', `127.0.0.1:${server.ports.mx}`, '--from', 'sender@example.org', '--to', annv.address, '--header', 'Subject: metrics']);
    expect(accepted.output).toMatch(/^<-  250 2\.6\.0 Message accepted for delivery \([0-9a-f]{12}\)$/m);
    const refused = await swaks(['--server', `127.0.0.1:${server.ports.mx}`, '--from', 'sender@example.org', '--to', 'khongco@cantho.gov.vn']);
    expect(refused.output).toContain('<** 550 5.1.1 Mailbox unavailable: no such user here');
    const after = await scrape();

    expect(delta(before, after, 'cantho_messages_accepted_total{path="mx"}')).toBe(1);
    expect(delta(before, after, 'cantho_messages_rejected_total{path="mx",reason="unknown-recipient"}')).toBe(1);
    expect(delta(before, after, 'cantho_connections_total{listener="smtp-mx"}')).toBe(2);
    // The gauge drops when our side of the socket closes, a moment after swaks has gone.
    await expect.poll(async () => (await scrape()).get('cantho_connections_open{listener="smtp-mx"}')).toBe(0);
    // One message reached the filters (the refused one ended at RCPT); clamd is off in tests.
    for (const filter of ['lists', 'rules']) {
      expect(delta(before, after, `cantho_filter_duration_seconds_count{filter="${filter}"}`)).toBe(1);
    }
    expect(after.has('cantho_filter_duration_seconds_count{filter="virus"}')).toBe(false);
  });

  test('submission: logins by result, the submitted message, and the queue length', async () => {
    const before = await scrape();
    const wrong = await swaks(['--server', `127.0.0.1:${server.ports.submissions}`, '--tlsc', '--auth', 'PLAIN', '--auth-user', annv.address, '--auth-password', 'sai-mat-khau', '--from', annv.address, '--to', 'friend@example.org']);
    expect(wrong.output).toContain('<~* 535 5.7.8 Authentication credentials invalid');
    const sent = await swaks(['--server', `127.0.0.1:${server.ports.submissions}`, '--tlsc', '--auth', 'PLAIN', '--auth-user', annv.address, '--auth-password', annv.password, '--from', annv.address, '--to', 'friend@example.org', '--header', `From: ${annv.address}`]);
    expect(sent.output).toContain('<~  250 2.6.0 Message accepted for delivery');
    const after = await scrape();

    expect(delta(before, after, 'cantho_logins_total{protocol="smtp",result="bad-credentials"}')).toBe(1);
    expect(delta(before, after, 'cantho_logins_total{protocol="smtp",result="ok"}')).toBe(1);
    expect(delta(before, after, 'cantho_messages_accepted_total{path="submission"}')).toBe(1);
    expect(delta(before, after, 'cantho_connections_total{listener="smtp-submissions"}')).toBe(2);
    expect(after.get('cantho_queue_length')).toBe(1);
  });
});
