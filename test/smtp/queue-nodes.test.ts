import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, test } from 'vitest';
import { runCliInProcess } from '../cli/cli-helpers.js';
import { clusterForThisFile } from '../helpers/postgres-cluster.js';
import { PASSWORD, restartableServer, startInternet, waitFor, type Harness, type Internet } from './harness.js';
import { QUEUE_NODES_DNS } from './queue-nodes-dns.js';

/**
 * Several nodes, one outbound queue in PostgreSQL (docs/architecture.md "Outbound queue claims"):
 * every node's worker claims from it, so each message reaches the remote server once, and a node
 * killed mid-delivery leaves a claim another node takes over when its lease ends.
 */

const cluster = clusterForThisFile();

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A node in this process: its own data directory (SQLite store), the shared PostgreSQL queue. */
async function startNode(postgresUrl: string, internet: Internet): Promise<Harness> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cm-node-'));
  const node = await restartableServer(dir, {
    // ManageSieve on a free port: two nodes share this process.
    config: { store: { backend: 'postgres', postgres_url: postgresUrl }, sieve: { managesieve: '127.0.0.1:0' } },
    dns: QUEUE_NODES_DNS,
    smtp: { queueWorker: { mxPort: internet.port, pollIntervalMs: 100 } },
  });
  cleanups.push(async () => {
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return node;
}

/** A node in a child process (test/smtp/queue-node.ts), to be killed with SIGKILL; resolves with its submission port. */
async function startChildNode(postgresUrl: string, internet: Internet, leaseMs: number): Promise<{ child: ChildProcess; submission: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cm-node-'));
  const script = path.join(import.meta.dirname, 'queue-node.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, dir, postgresUrl, String(internet.port), String(leaseMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const ready = /^ready (\d+)$/.exec(line);
    if (ready) return { child, submission: Number(ready[1]) };
  }
  throw new Error('the child node exited before it was ready');
}

async function submit(port: number, to: string, subject: string): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, requireTLS: true, tls: { rejectUnauthorized: false }, auth: { user: 'annv', pass: PASSWORD } });
  try {
    await transport.sendMail({ from: 'annv@cantho.gov.vn', to, subject, text: 'Noi dung.' });
  } finally {
    transport.close();
  }
}

function subjectOf(raw: Buffer): string {
  return /^Subject: (.*)$/m.exec(raw.toString())?.[1] ?? '';
}

describe('outbound queue shared by two nodes in PostgreSQL', () => {
  test('two nodes working one queue deliver each of 20 messages exactly once', async () => {
    const internet = await startInternet();
    cleanups.push(() => internet.close());
    const url = await cluster().createDatabase();
    const [a, b] = [await startNode(url, internet), await startNode(url, internet)];

    const subjects = Array.from({ length: 20 }, (_, i) => `thu ${i}`);
    await Promise.all(subjects.map((subject, i) => submit(i % 2 === 0 ? a.submission : b.submission, `r${i}@example.org`, subject)));

    await waitFor(async () => (await a.ctx.queue.list()).length === 0 || undefined, 120_000);
    const received = internet.received.map((m) => subjectOf(m.raw)).sort();
    expect(received).toEqual([...subjects].sort());
    expect(await b.ctx.queue.list()).toEqual([]);
  });

  test('a node killed mid-delivery leaves its claim; another node delivers the message once the lease ends', async () => {
    const internet = await startInternet();
    cleanups.push(() => internet.close());
    const url = await cluster().createDatabase();
    const dying = await startChildNode(url, internet, 3000);

    await submit(dying.submission, 'stall-once@example.org', 'giua chung');
    // The dying node has sent the message and waits for the remote's answer: it holds the claim.
    await waitFor(() => internet.stalled.length === 1 || undefined, 60_000);
    dying.child.kill('SIGKILL');

    const survivor = await startNode(url, internet);
    await waitFor(async () => (await survivor.ctx.queue.list()).length === 0 || undefined, 60_000);
    expect(internet.received.map((m) => [m.to, subjectOf(m.raw)])).toEqual([[['stall-once@example.org'], 'giua chung']]);
  });

  test('cantho-mail queue list|delete on a node with backend = "postgres" work the shared queue', async () => {
    const internet = await startInternet();
    cleanups.push(() => internet.close());
    const url = await cluster().createDatabase();
    const node = await startNode(url, internet);
    await submit(node.submission, 'defer-me@example.org', 'cho');
    await waitFor(async () => (await node.ctx.queue.list())[0]?.recipients[0]?.attempts === 1 || undefined, 60_000);
    const config = path.join(node.dir, 'cli.toml');
    writeFileSync(config, `[server]\ndata_dir = ${JSON.stringify(node.dir)}\nlog_level = "silent"\n[store]\nbackend = "postgres"\npostgres_url = ${JSON.stringify(url)}\n`);

    const list = await runCliInProcess(['queue', 'list', '--config', config, '--json']);
    const [entry] = JSON.parse(list.stdout) as Array<{ id: number; recipients: Array<{ address: string; state: string }> }>;
    expect(entry).toMatchObject({ recipients: [{ address: 'defer-me@example.org', state: 'pending' }] });
    expect(await runCliInProcess(['queue', 'delete', String(entry!.id), '--config', config])).toMatchObject({ code: 0, stdout: `message ${entry!.id} deleted\n` });
    expect(await node.ctx.queue.list()).toEqual([]);
  });
});
