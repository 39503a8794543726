import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ANNV, startHarness, type Harness } from './harness.js';
import { RawSmtp } from './raw-client.js';

/**
 * When the greeting goes out (`[smtp] greeting_delay`, src/smtp/greeting.ts), what the client's
 * confirmed PTR name does to the Received field, and the per-address connection rate.
 */
let paused: Harness;
let prompt: Harness;

beforeAll(async () => {
  [paused, prompt] = await Promise.all([
    startHarness({ config: { smtp: { greeting_delay: '2s' } }, smtp: { queueWorker: false } }),
    startHarness({
      config: { smtp: { max_connection_rate_per_ip: 3 } },
      smtp: { queueWorker: false },
      dns: { '1.0.0.127.in-addr.arpa PTR': ['relay.example.org'], 'relay.example.org A': ['127.0.0.1'] },
    }),
  ]);
});
afterAll(() => Promise.all([paused.close(), prompt.close()]));

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('greeting_delay', () => {
  test('on the MX, a client that talks during the pause gets 421 4.4.2 and is disconnected', async () => {
    const client = await RawSmtp.connect(paused.mx);
    await pause(200);
    client.write('EHLO early.example.org\r\nMAIL FROM:<a@example.org>\r\n');
    expect(await client.reply()).toBe('421 4.4.2 mail.cantho.gov.vn You talk too soon');
    await client.closed;
  });

  test('on the MX, a client that waits for the greeting is served', async () => {
    const client = await RawSmtp.connect(paused.mx);
    expect(await client.hello()).toMatch(/^250-mail\.cantho\.gov\.vn /);
    await client.quit();
  });

  test('submission never pauses: a client that speaks after the greeting it got is served', async () => {
    const client = await RawSmtp.connect(paused.submission);
    expect(await client.reply(1500)).toMatch(/^220 mail\.cantho\.gov\.vn ESMTP/);
    expect(await client.command('EHLO client.example.org')).toMatch(/^250-/);
    await client.quit();
  });

  test('0 (the default): no pause, and a client that talks before the greeting still gets 421 4.4.2', async () => {
    const client = await RawSmtp.connect(prompt.mx);
    client.write('EHLO early.example.org\r\n');
    expect(await client.reply()).toBe('421 4.4.2 mail.cantho.gov.vn You talk too soon');
    await client.closed;
  });
});

describe('client name and connection rate', () => {
  test("the Received field names the client's forward-confirmed PTR name", async () => {
    const client = await RawSmtp.connect(prompt.mx);
    await client.hello('relay.example.org');
    expect(await client.command('MAIL FROM:<sender@example.org>')).toBe('250 2.1.0 Accepted');
    expect(await client.command('RCPT TO:<annv@cantho.gov.vn>')).toBe('250 2.1.5 Accepted');
    expect(await client.command('DATA')).toMatch(/^354 /);
    expect(await client.command('Subject: named\r\n\r\nhello\r\n.')).toMatch(/^250 2\.6\.0 /);
    await client.quit();
    const stored = (await prompt.messages(ANNV)).at(-1)!.toString();
    expect(stored).toMatch(/^Received: from relay\.example\.org \(relay\.example\.org \[127\.0\.0\.1\]\)\r\n/m);
  });

  test('more new connections per minute than max_connection_rate_per_ip from one address: 421 4.7.0', async () => {
    // The test above used one of the 3 connections this minute allows 127.0.0.1; 127.0.0.2 has its own count.
    for (let i = 0; i < 2; i++) {
      const client = await RawSmtp.connect(prompt.mx);
      expect(await client.reply()).toMatch(/^220 /);
      await client.quit();
    }
    const refused = await RawSmtp.connect(prompt.mx);
    expect(await refused.reply()).toBe('421 4.7.0 Too many new connections from your address, try again later');
    await refused.closed;
    const other = await RawSmtp.connect(prompt.mx, { localAddress: '127.0.0.2' });
    expect(await other.reply()).toMatch(/^220 /);
    await other.quit();
  });
});
