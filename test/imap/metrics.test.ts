import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, imapflow, startImapTestServer, type ImapTestServer } from './support.js';

/**
 * What IMAP reports at /metrics (src/metrics.ts), scraped over HTTP from the same server's web
 * listener. Counters are compared before and after, so other tests in this process don't matter.
 */
let server: ImapTestServer;

beforeAll(async () => {
  server = await startImapTestServer();
});
afterAll(() => server?.close());

async function scrape(): Promise<Map<string, number>> {
  const response = await fetch(`http://127.0.0.1:${server.ports.http}/metrics`);
  expect(response.status).toBe(200);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    const match = /^(\S+) (\S+)$/.exec(line);
    if (match && !line.startsWith('#')) samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

const delta = (before: Map<string, number>, after: Map<string, number>, sample: string): number => (after.get(sample) ?? 0) - (before.get(sample) ?? 0);

describe('IMAP metrics at /metrics', () => {
  it('counts connections on the STARTTLS and the implicit-TLS listener, and open ones until they close', async () => {
    const before = await scrape();
    const plain = imapflow(server);
    const implicit = imapflow(server, { secure: true });
    await plain.connect();
    await implicit.connect();
    const during = await scrape();
    expect(delta(before, during, 'cantho_connections_total{listener="imap"}')).toBe(1);
    expect(delta(before, during, 'cantho_connections_total{listener="imaps"}')).toBe(1);
    expect(during.get('cantho_connections_open{listener="imap"}')).toBe(1);
    expect(during.get('cantho_connections_open{listener="imaps"}')).toBe(1);
    await plain.logout();
    await implicit.logout();
    await expect.poll(async () => (await scrape()).get('cantho_connections_open{listener="imap"}')).toBe(0);
    await expect.poll(async () => (await scrape()).get('cantho_connections_open{listener="imaps"}')).toBe(0);
  });

  it('counts LOGIN and AUTHENTICATE results with protocol "imap"', async () => {
    const before = await scrape();
    const wrong = await RawClient.connect(server.ports.imap);
    expect(await wrong.command('l1', 'LOGIN annv "sai mat khau"')).toEqual(['l1 NO [AUTHENTICATIONFAILED] Invalid credentials']);
    wrong.close();
    const flow = imapflow(server);
    await flow.connect();
    await flow.logout();
    const after = await scrape();
    expect(delta(before, after, 'cantho_logins_total{protocol="imap",result="bad-credentials"}')).toBe(1);
    expect(delta(before, after, 'cantho_logins_total{protocol="imap",result="ok"}')).toBe(1);
  });
});
