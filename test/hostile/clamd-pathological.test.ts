import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClamd, type RunningClamd } from '../helpers/clamd.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { deeplyNestedMessage, manyPartsMessage, ordinaryMessage, rfc2231ContinuationsMessage } from './messages.js';
import { sendRaw } from './smtp-send.js';

/**
 * Scanner protection (README "clamd settings"): messages that keep clamd busy for seconds — a part
 * header folding thousands of RFC 2231 continuations — and ones past clamd's limits (nesting,
 * number of parts) sent to the MX
 * together with a one-line message. The one-line message takes the small lane of the scan slots
 * and is answered 250 at once; each hostile one is answered on its own (451 when clamd could not
 * finish it within `[clamav] timeout`), none hangs. The `[limits]` are raised here so that these
 * messages reach clamd: with the shipped limits the 450 KB folded field is refused `552 5.3.4` and
 * the 2,500 parts `554 5.6.0` before any scan (test/smtp/limits.test.ts), and the scan slots are
 * the defence for what is slow within the limits.
 */

let clamd: RunningClamd;
let h: TestServer;
let recipient: string;

beforeAll(async () => {
  clamd = await startClamd();
  h = await startTestServer({
    config: {
      clamav: { enabled: true, socket: clamd.socket, timeout: '4s' },
      limits: { max_header_bytes: '4MB', max_header_field_bytes: '2MB', max_header_lines: 100_000, max_mime_parts: 10_000 },
    },
  });
  recipient = (await h.addUser('Nguyễn Văn An')).address;
});
afterAll(async () => {
  await h?.close();
  await clamd?.stop();
});

describe('clamd under pathological messages', () => {
  it('answers an ordinary message 250 within 5 s while slow messages are being scanned', async () => {
    // The RFC 2231 ones cost clamd seconds each; the nesting is past clamd's MaxRecursion and the
    // parts past its MaxFiles, kept small enough not to measure our own MIME parser instead.
    const hostile = [...Array.from({ length: 4 }, () => rfc2231ContinuationsMessage(16_000)), deeplyNestedMessage(100), manyPartsMessage(2_500)];
    const attacks = hostile.map((raw) => sendRaw(h.ports.mx, raw, recipient, { timeoutMs: 60_000 }));
    // Let the hostile messages reach clamd first.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const ordinary = await sendRaw(h.ports.mx, ordinaryMessage(), recipient, { timeoutMs: 30_000 });
    console.log(`ordinary message answered "${ordinary.text}" in ${Math.round(ordinary.ms)} ms`);
    expect(ordinary.code).toBe(250);
    expect(ordinary.ms).toBeLessThan(5_000);

    const replies = await Promise.all(attacks);
    for (const reply of replies) console.log(`hostile message: ${reply.code} in ${Math.round(reply.ms)} ms (${reply.text.slice(0, 90)})`);
    for (const reply of replies) expect([250, 451, 554]).toContain(reply.code);
    const tempfailed = replies.filter((r) => r.code === 451);
    for (const reply of tempfailed) expect(reply.text).toMatch(/^451 4\.\d\.\d /);
  });
});
