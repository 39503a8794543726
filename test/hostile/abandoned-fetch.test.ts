/**
 * A client that starts a large FETCH and then stops reading, and finally drops the connection,
 * costs the other clients nothing: their FETCH latency stays normal, and the server stops reading
 * and formatting the rest once the client is gone (its own counters in `/metrics` show it:
 * cantho_imap_fetch_body_bytes_total stops growing far short of what was asked,
 * cantho_imap_fetch_abandoned_total counts the FETCH). The server runs as the README starts it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RawClient } from '../imap/support.js';
import { startReadmeServer, type Official, type ReadmeServer } from '../interop/readme-server.js';
import { MB, appendMessages, counter, inMb, rawLogin, residentBytes, sizedMessage } from './support.js';

const MESSAGES = 12;
const MESSAGE_SIZE = 4 * MB;
/** A generous bound on one bystander FETCH round trip on a loaded shared machine. */
const BYSTANDER_BOUND_MS = 3000;

let server: ReadmeServer;
let official: Official;
beforeAll(async () => {
  server = await startReadmeServer({ passwordChange: 'config' });
  official = await server.addOfficial('Nguyễn Văn An');
  const setup = await rawLogin(server, official);
  await appendMessages(setup, sizedMessage(MESSAGE_SIZE, 'Tep lon'), MESSAGES);
  await appendMessages(setup, sizedMessage(20 * 1024, 'Tin nho'), 1);
  setup.close();
}, 180_000);
afterAll(async () => {
  await server?.stop();
});

/** Round-trip times of `count` FETCHes of the small message (the last one), in ms. */
async function bystanderLatencies(client: RawClient, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const lines = await client.command(`b${i}`, `FETCH ${MESSAGES + 1} (BODY.PEEK[])`);
    times.push(performance.now() - started);
    expect(lines.at(-1)).toBe(`b${i} OK FETCH completed`);
  }
  return times;
}

const summary = (times: readonly number[]): string => `median ${median(times).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms`;
function median(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('an abandoned download', () => {
  test('does not slow other clients, and the server stops producing once the client is gone', async () => {
    const bystander = await rawLogin(server, official, 'INBOX');
    const before = await bystanderLatencies(bystander, 5);

    const asked = MESSAGES * MESSAGE_SIZE;
    const bytesBefore = await counter(server, 'cantho_imap_fetch_body_bytes_total');
    const abandonedBefore = await counter(server, 'cantho_imap_fetch_abandoned_total');
    const attacker = await rawLogin(server, official, 'INBOX');
    attacker.send(`f1 FETCH 1:${MESSAGES} (BODY.PEEK[])\r\n`);
    await attacker.readLine(); // the download is under way
    attacker.socket.pause(); // ... and the client stops reading

    const stalled = await bystanderLatencies(bystander, 5);
    const producedWhileStalled = (await counter(server, 'cantho_imap_fetch_body_bytes_total')) - bytesBefore;
    attacker.close(); // ... and drops the connection
    const dropped = await bystanderLatencies(bystander, 5);

    // Nothing more is produced for the dropped client (only the bystander's small FETCHes count).
    await new Promise((resolve) => setTimeout(resolve, 500));
    const settled = await counter(server, 'cantho_imap_fetch_body_bytes_total');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await counter(server, 'cantho_imap_fetch_body_bytes_total')).toBe(settled);
    const produced = settled - bytesBefore;
    const rss = residentBytes(server.pid()!);
    console.log(
      `bystander FETCH: before ${summary(before)}; client not reading ${summary(stalled)}; after it dropped ${summary(dropped)}\n` +
        `attacker asked for ${inMb(asked)}: ${inMb(producedWhileStalled)} read from the store while it did not read, ${inMb(produced)} in all ` +
        `(bystander included); server RSS ${inMb(rss)}`,
    );
    expect(await counter(server, 'cantho_imap_fetch_abandoned_total')).toBe(abandonedBefore + 1);
    expect(produced).toBeLessThan(asked / 2);
    expect(Math.max(...stalled, ...dropped)).toBeLessThan(BYSTANDER_BOUND_MS);
    bystander.close();
  });
});
