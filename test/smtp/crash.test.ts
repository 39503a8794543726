import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { ANNV, restartableServer } from './harness.js';
import { RawSmtp } from './raw-client.js';

/**
 * 10 clients keep 10 transactions in flight at the kill, whatever the total; 40 messages each
 * put the kill after 200 acknowledgements, well inside the load.
 */
const CLIENTS = 10;
const PER_CLIENT = 40;
const dir = mkdtempSync(path.join(os.tmpdir(), 'cm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts test/smtp/crash-server.ts on `dir` and resolves with the child and its MX port. */
async function startChild(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'crash-server.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /ready (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`crash server exited with ${code}`)));
  });
  return { child, port };
}

/** One client: messages "crash <client>-<n>" one after the other; records each 250. Stops when the server dies. */
async function sendUntilKilled(port: number, client: number, acknowledged: Set<string>, attempted: Set<string>): Promise<void> {
  let smtp: RawSmtp;
  try {
    smtp = await RawSmtp.connect(port);
    await smtp.hello();
  } catch {
    return;
  }
  try {
    for (let n = 0; n < PER_CLIENT; n++) {
      const id = `${client}-${n}`;
      if ((await smtp.command('MAIL FROM:<load@example.org>')) !== '250 2.1.0 Accepted') return;
      if ((await smtp.command('RCPT TO:<annv@cantho.gov.vn>')) !== '250 2.1.5 Accepted') return;
      if (!(await smtp.command('DATA')).startsWith('354')) return;
      attempted.add(id);
      const reply = await smtp.command(`From: load@example.org\r\nSubject: crash ${id}\r\n\r\n${'x'.repeat(2000)}\r\n.`);
      if (!reply.startsWith('250 ')) return;
      acknowledged.add(id);
    }
    await smtp.quit();
  } catch {
    // The server was killed under us: whatever had no 250 yet is the client's to retry.
  }
}

// The timeout only catches a hang: two server starts and the load take minutes on a loaded machine.
test(`kill -9 while ${CLIENTS} clients send ${CLIENTS * PER_CLIENT} messages: every message that got 250 is stored exactly once`, async () => {
  const first = await startChild();
  const acknowledged = new Set<string>();
  const attempted = new Set<string>();
  const clients = Array.from({ length: CLIENTS }, (_, c) => sendUntilKilled(first.port, c, acknowledged, attempted));
  // Kill in the middle of the load, with transactions in flight.
  const killAt = (CLIENTS * PER_CLIENT) / 2;
  let clientsDone = false;
  void Promise.all(clients).then(() => (clientsDone = true));
  // Clients that all stopped before the kill point (the server died on its own) fail below, not hang here.
  while (acknowledged.size < killAt && !clientsDone) await new Promise((r) => setTimeout(r, 5));
  first.child.kill('SIGKILL');
  await Promise.all(clients);
  expect(acknowledged.size).toBeGreaterThanOrEqual(killAt);
  expect(acknowledged.size).toBeLessThan(CLIENTS * PER_CLIENT);

  // Restart on the same data: the server comes back and takes mail again.
  const second = await startChild();
  const smtp = await RawSmtp.connect(second.port);
  await smtp.hello();
  await smtp.command('MAIL FROM:<load@example.org>');
  await smtp.command('RCPT TO:<annv@cantho.gov.vn>');
  await smtp.command('DATA');
  expect(await smtp.command('Subject: crash after-restart\r\n\r\nx\r\n.')).toMatch(/^250 2\.6\.0 /);
  await smtp.quit();
  second.child.kill('SIGTERM');
  await new Promise((r) => second.child.once('exit', r));

  const server = await restartableServer(dir, { smtp: { queueWorker: false } });
  try {
    const subjects = (await server.messages(ANNV)).map((m) => /^Subject: crash (\S+)\r$/m.exec(m.toString())![1]!);
    const counts = new Map<string, number>();
    for (const s of subjects) counts.set(s, (counts.get(s) ?? 0) + 1);
    for (const id of acknowledged) expect(counts.get(id), `message ${id}`).toBe(1);
    // Nothing twice, nothing that was never sent; unacknowledged ones may or may not be there.
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect([...counts.keys()].every((id) => attempted.has(id) || id === 'after-restart')).toBe(true);
    expect(counts.get('after-restart')).toBe(1);
  } finally {
    await server.close();
  }
}, 600_000);
