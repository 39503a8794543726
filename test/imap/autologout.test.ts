import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { RawClient, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer({ imap: { login_timeout: '1s' } });
});
afterAll(async () => {
  await server.close();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('autologout from the last complete command (RFC 3501 §5.4, imap.login_timeout)', () => {
  test('a client trickling a byte at a time without ending a command is logged out with BYE', async () => {
    const client = await RawClient.connect(server.ports.imap);
    const started = Date.now();
    const trickle = setInterval(() => {
      if (!client.closed) client.send('a');
    }, 200);
    try {
      expect(await client.readLine(5000)).toBe('* BYE Autologout; idle for too long');
      expect(await client.waitClosed(2000)).toBe(true);
      const seconds = (Date.now() - started) / 1000;
      console.log(`trickling client disconnected after ${seconds.toFixed(1)} s (login_timeout 1 s)`);
      expect(seconds).toBeLessThan(5);
    } finally {
      clearInterval(trickle);
    }
  });

  test('a client that completes a command now and then stays connected', async () => {
    const client = await RawClient.connect(server.ports.imap);
    for (let i = 0; i < 5; i++) {
      await pause(500);
      expect(await client.command(`n${i}`, 'NOOP')).toEqual([`n${i} OK NOOP completed`]);
    }
    expect(client.closed).toBe(false);
    client.close();
  });

  test('the time counts from the moment the last command line was complete', async () => {
    const client = await RawClient.connect(server.ports.imap);
    await pause(300);
    client.send('c1 NO');
    await pause(500);
    client.send('OP\r\n');
    expect(await client.readLine()).toBe('c1 OK NOOP completed');
    // 1.5 s after connecting, 0.7 s after c1 was complete: still within login_timeout.
    await pause(700);
    expect(await client.command('c2', 'NOOP')).toEqual(['c2 OK NOOP completed']);
    client.close();
  });
});

describe('the autologout timer stops while the server works on the command', () => {
  let slow: TestServer;
  beforeAll(async () => {
    // Every failed login from the first on waits 1.5 s, longer than the 1 s pre-login timeout.
    slow = await startTestServer({
      config: { imap: { login_timeout: '1s' }, policy: { login_failures_before_delay: 1 } },
      loginDelays: { baseDelayMs: 1_500, maxDelayMs: 1_500 },
      smtp: { queueWorker: false },
    });
    await slow.addUser('Nguyễn Văn An', { address: 'annv', password: 'Mat-khau-dung-2026' });
  });
  afterAll(() => slow.close());

  test('a failed LOGIN held by the throttle for longer than login_timeout gets its NO, then the timer runs again', async () => {
    const client = await RawClient.connect(slow.ports.imap);
    // The throttle's delay is a lower bound the server guarantees, so one of the first answers
    // took longer than login_timeout: that is the case under test, not a speed figure.
    let heldLongerThanTimeout = false;
    for (let attempt = 0; attempt < 3 && !heldLongerThanTimeout; attempt++) {
      const started = Date.now();
      const answer = await client.command(`l${attempt}`, 'LOGIN annv sai-mat-khau');
      expect(answer.at(-1)).toMatch(new RegExp(`^l${attempt} NO \\[AUTHENTICATIONFAILED\\]`));
      heldLongerThanTimeout = Date.now() - started > 1_000;
    }
    expect(heldLongerThanTimeout).toBe(true);
    expect(client.closed).toBe(false);
    // RFC 3501 §5.4: from the end of that answer the client is idle, and the timer applies again.
    expect(await client.readLine(5000)).toBe('* BYE Autologout; idle for too long');
  });
});
