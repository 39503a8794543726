import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SmtpListener } from '../../src/smtp/listener.js';
import { SmtpReply } from '../../src/smtp/reply.js';
import { startHarness, type Harness } from './harness.js';
import { RawSmtp } from './raw-client.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ smtp: { queueWorker: false } });
});
afterAll(() => h.close());

describe('reply format (RFC 5321 §4.2, RFC 2034)', () => {
  test('a client talking before the greeting gets 421 with an enhanced code, whatever it sent', async () => {
    for (const early of ['EHLO early.example.org', 'HELO early.example.org', 'MAIL FROM:<a@example.org>']) {
      const client = await RawSmtp.connect(h.mx);
      client.write(`${early}\r\n`);
      expect(await client.reply(), early).toBe('421 4.4.2 mail.cantho.gov.vn You talk too soon');
      await client.closed;
    }
  });

  test('errors answered to HELO and EHLO carry an enhanced code; their 250 and the greeting do not', async () => {
    const client = await RawSmtp.connect(h.mx);
    expect(await client.reply()).toMatch(/^220 mail\.cantho\.gov\.vn ESMTP/);
    expect(await client.command('HELO')).toBe('501 5.5.4 Error: Syntax: HELO hostname');
    expect(await client.command(`EHLO ${'a'.repeat(301)}`)).toBe('501 5.5.4 Error: Bad hostname syntax');
    expect(await client.command('HELO client.example.org')).toBe('250 mail.cantho.gov.vn Nice to meet you, [127.0.0.1]');
    expect(await client.command('EHLO')).toBe('501 5.5.4 Error: syntax: EHLO hostname');
    expect(await client.command('NOOP')).toBe('250 2.0.0 OK');
    await client.quit();
  });

  test('reply text from policy or filter configuration goes out as printable ASCII', async () => {
    // The listener alone, refusing MAIL with a text as a filter's configuration could word it.
    const server = new SmtpListener(
      {
        name: 'mx.test',
        key: h.ctx.tls.key,
        cert: h.ctx.tls.cert,
        disableReverseLookup: true,
        authOptional: true,
        onMailFrom: (_address, _session, callback) => callback(new SmtpReply(550, '5.7.1', 'Thư bị từ chối – Đã chặn ✉\u0007 spam')),
      },
      { maxCommandsBeforeData: 100, greetingDelayMs: 0, proxyProtocolFrom: [] },
      pino({ level: 'silent' }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.server.address() as { port: number }).port;
      const client = await RawSmtp.connect(port);
      await client.hello();
      expect(await client.command('MAIL FROM:<a@example.org>')).toBe('550 5.7.1 Thu bi tu choi ? Da chan ?? spam');
      await client.quit();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
