import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectImapflow } from '../interop/imapflow-client.js';
import { startReadmeServer, type Official, type ReadmeServer } from '../interop/readme-server.js';
import { deliver, deliverLoad, folderView } from './support.js';

/**
 * Litestream replicating `serve`'s database to a file replica (`[replica]`, docs/backup.en.md
 * "Continuous replica" and "Warm standby"): point-in-time restore, and the disaster drill —
 * 2,000 messages, kill -9, data directory deleted, `replica restore`, start — with the RPO and
 * RTO printed as measured.
 */

const SYNC_INTERVAL_MS = 1000;
let replicaDir: string;
let server: ReadmeServer;
let an: Official;
let binh: Official;

beforeAll(async () => {
  replicaDir = mkdtempSync(path.join(os.tmpdir(), 'cm-replica-'));
  server = await startReadmeServer({
    passwordChange: 'config',
    // The drill's 10 senders open a connection per message: more than [smtp] max_connection_rate_per_ip allows one address.
    config: { replica: { url: `file://${replicaDir}`, sync_interval: `${SYNC_INTERVAL_MS}ms`, max_lag: '30s' }, smtp: { max_connection_rate_per_ip: 0 } },
  });
  an = await server.addOfficial('Nguyễn Văn An');
  binh = await server.addOfficial('Trần Thị Bình');
}, 180_000);

afterAll(async () => {
  await server?.stop();
  rmSync(replicaDir, { recursive: true, force: true });
});

interface Health {
  components?: { replica?: { status: string; detail: string } };
}

/** Until /healthz says the replica has caught up, on a reading taken after `since`. */
async function replicaCaughtUp(since = Date.now()): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const health = (await (await fetch(`http://127.0.0.1:${server.ports.http}/healthz`)).json()) as Health;
    if (health.components?.replica?.detail === 'caught up' && Date.now() - since > 2 * SYNC_INTERVAL_MS + 1000) return;
    if (Date.now() > deadline) throw new Error(`replica not caught up within 60 s: ${JSON.stringify(health)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function messageIdsIn(database: string): string[] {
  const db = new Database(database, { readonly: true });
  try {
    return db
      .prepare<[], string>(`SELECT json_extract(b.envelope, '$.messageId') FROM messages m JOIN blobs b ON b.id = m.blob`)
      .pluck()
      .all()
      .map((id) => id.replace(/^<|>$/g, ''));
  } finally {
    db.close();
  }
}

/** Waits until no Litestream guard of this serve pid runs (src/backup/replica/supervisor.ts). */
async function untilNoGuardOf(pid: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes(`litestream-guard ${pid} `)) {
    if (Date.now() > deadline) throw new Error(`Litestream of serve ${pid} still running 30 s after the kill`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the replica', () => {
  it('is reported in /healthz and /metrics', async () => {
    await replicaCaughtUp();
    const health = (await (await fetch(`http://127.0.0.1:${server.ports.http}/healthz`)).json()) as Health;
    expect(health.components?.replica).toEqual({ status: 'ok', detail: 'caught up' });
    const metrics = await (await fetch(`http://127.0.0.1:${server.ports.http}/metrics`)).text();
    expect(metrics).toMatch(/^cantho_replica_lag_seconds 0$/m);
  }, 120_000);

  it('restores to a point in time between two deliveries: the first is there, the second not', async () => {
    const first = await deliver(server.ports.mx, an.address, 'truoc-moc@example.org');
    await replicaCaughtUp(first.at);
    const between = new Date();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const second = await deliver(server.ports.mx, an.address, 'sau-moc@example.org');
    await replicaCaughtUp(second.at);

    const to = path.join(server.dir, 'pitr');
    const result = await server.cli(['--json', 'replica', 'restore', '--to', to, '--timestamp', between.toISOString()]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const ids = messageIdsIn(path.join(to, 'mail.db'));
    expect(ids).toContain(first.messageId);
    expect(ids).not.toContain(second.messageId);

    const latest = path.join(server.dir, 'latest');
    expect((await server.cli(['replica', 'restore', '--to', latest])).code).toBe(0);
    expect(messageIdsIn(path.join(latest, 'mail.db'))).toEqual(expect.arrayContaining([first.messageId, second.messageId]));
  }, 180_000);

  it('disaster drill: 2,000 messages, kill -9, data directory deleted, replica restore, start', async () => {
    const sent = await deliverLoad(server.ports.mx, [an.address, binh.address], { senders: 10, total: 2000, prefix: 'drill' });
    const servePid = server.pid();
    await server.crash();
    const killedAt = Date.now();
    // As on a machine that died, Litestream is gone too: its guard stops it once serve is gone.
    await untilNoGuardOf(servePid!);
    rmSync(server.dataDir, { recursive: true, force: true });
    const restored = await server.cli(['--json', 'replica', 'restore', '--to', server.dataDir]);
    expect(restored.stderr).toBe('');
    await server.restart();
    const rto = Date.now() - killedAt;

    const views = [];
    for (const official of [an, binh]) {
      const imap = await connectImapflow(server.ports.imap, official);
      views.push(...(await folderView(imap.client)));
      await imap.client.logout();
    }
    const counts = new Map<string, number>();
    for (const view of views) counts.set(view.messageId, (counts.get(view.messageId) ?? 0) + 1);
    const lost = sent.filter((m) => !counts.has(m.messageId));
    const rpo = lost.length === 0 ? 0 : killedAt - Math.min(...lost.map((m) => m.at));
    console.log(
      `disaster drill: ${sent.length} acknowledged, ${lost.length} lost (all within the last ${SYNC_INTERVAL_MS} ms: ${lost.every((m) => killedAt - m.at <= SYNC_INTERVAL_MS)}); ` +
        `RPO ${rpo} ms; RTO ${rto} ms (kill to /healthz 200 on the restored data, of which replica restore ${JSON.parse(restored.stdout).durationMs} ms)`,
    );
    expect(sent).toHaveLength(2000);
    // Present exactly once: everything acknowledged more than the sync interval before the kill.
    for (const message of sent.filter((m) => killedAt - m.at > SYNC_INTERVAL_MS)) expect(counts.get(message.messageId), message.messageId).toBe(1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  }, 900_000);
});
