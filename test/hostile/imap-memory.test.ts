/**
 * IMAP cannot be made to hold memory without bound (DESIGN.md "Config" [limits] memory_ceiling):
 * a FETCH naming one body section 2,000 times, and 50 connections each announcing a 25 MB literal
 * to a command that is not APPEND. The server runs as the README starts it; its RSS is read from
 * /proc during the attack (must stay under the ceiling) and afterwards (must come back within 20 %
 * of the idle figure within a minute). Figures are printed.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RawClient } from '../imap/support.js';
import { startReadmeServer, type Official, type ReadmeServer } from '../interop/readme-server.js';
import { MB, appendMessages, inMb, rawLogin, residentBytes, settledRss, sizedMessage } from './support.js';

/** `[limits] memory_ceiling` in the shipped config. */
const CEILING = 512 * MB;
const LITERAL = 25_000_000;
/**
 * How many of the 50 really send their 25 MB with LITERAL+ (the rest announce a synchronising
 * literal and, correctly, wait for a "+" that never comes): enough to show the octets are read away
 * unbuffered, few enough that the test takes seconds on a shared two-core machine.
 */
const SENDERS = 6;

let server: ReadmeServer;
let official: Official;
let idle = 0;
beforeAll(async () => {
  server = await startReadmeServer({ passwordChange: 'config' });
  official = await server.addOfficial('Nguyễn Văn An');
  const setup = await rawLogin(server, official);
  await appendMessages(setup, sizedMessage(255 * 1024, 'Bao cao lon'), 1);
  setup.close();
  // Idle: after start-up, one login and one APPEND, with a moment to settle.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  idle = residentBytes(server.pid()!);
  console.log(`idle RSS ${inMb(idle)}`);
});
afterAll(async () => {
  await server?.stop();
});

/** Samples the server's RSS every 50 ms until stopped; returns the peak. */
function watchPeak(pid: number): () => number {
  let peak = residentBytes(pid);
  const timer = setInterval(() => (peak = Math.max(peak, residentBytes(pid))), 50);
  return () => {
    clearInterval(timer);
    return Math.max(peak, residentBytes(pid));
  };
}

async function expectBackToIdle(what: string): Promise<void> {
  const target = idle * 1.2;
  const started = Date.now();
  const after = await settledRss(server.pid()!, target, 60_000);
  console.log(`${what}: RSS ${inMb(after)} after ${((Date.now() - started) / 1000).toFixed(1)} s (idle ${inMb(idle)}, bound ${inMb(target)})`);
  expect(after).toBeLessThanOrEqual(target);
}

describe('IMAP memory under hostile clients', () => {
  test('FETCH of one body section named 2,000 times is answered once, without a giant buffer', async () => {
    const client = await rawLogin(server, official, 'INBOX');
    const items = Array.from({ length: 2000 }, () => 'BODY.PEEK[TEXT]').join(' ');
    const stop = watchPeak(server.pid()!);
    const lines = await client.command('F1', `FETCH 1 (${items})`);
    const peak = stop();
    client.close();
    const octets = lines.reduce((sum, line) => sum + line.length + 2, 0);
    console.log(`2,000-item FETCH (${items.length + 14}-octet command): ${octets} octets back, peak RSS ${inMb(peak)}`);
    expect(lines.at(-1)).toBe('F1 OK FETCH completed');
    expect(lines[0]).toMatch(/^\* 1 FETCH \(BODY\[TEXT\] \{\d+\}$/);
    expect(lines.filter((line) => line.includes('BODY[TEXT]'))).toHaveLength(1);
    expect(peak).toBeLessThan(CEILING);
    await expectBackToIdle('after the 2,000-item FETCH');
  });

  test('50 connections each sending a 25 MB literal to SEARCH are refused before it is buffered', async () => {
    const clients: RawClient[] = [];
    for (let i = 0; i < 50; i++) clients.push(await rawLogin(server, official, 'INBOX'));
    const data = Buffer.alloc(LITERAL, 0x61);
    const stop = watchPeak(server.pid()!);
    const started = Date.now();
    // A synchronising literal must get no "+"; a LITERAL+ one (RFC 7888: the octets follow at
    // once) is read away without being kept.
    const replies = await Promise.all(
      clients.map(async (client, i) => {
        if (i >= SENDERS) {
          client.send(`s${i} SEARCH TEXT {${LITERAL}}\r\n`);
        } else {
          client.send(`s${i} SEARCH TEXT {${LITERAL}+}\r\n`);
          client.send(data);
          client.send('\r\n');
        }
        const reply = await client.readLine(120_000);
        const after = await client.command(`n${i}`, 'NOOP');
        return [reply, after.at(-1)];
      }),
    );
    const peak = stop();
    console.log(`50 × 25 MB literals (${SENDERS} of them sent): answered in ${((Date.now() - started) / 1000).toFixed(1)} s, peak RSS ${inMb(peak)}`);
    for (const [i, [reply, noop]] of replies.entries()) {
      expect(reply).toBe(`s${i} BAD [TOOBIG] Literal of ${LITERAL} octets is over the limit of 65536`);
      expect(noop).toBe(`n${i} OK NOOP completed`);
    }
    expect(peak).toBeLessThan(CEILING);
    for (const client of clients) client.close();
    await expectBackToIdle('after the 50 literals');
  }, 180_000);
});
