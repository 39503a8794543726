import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../helpers/ports.js';
import { connectImapflow } from '../interop/imapflow-client.js';
import { runProcess, startReadmeServer, type Official, type ReadmeServer } from '../interop/readme-server.js';
import { deliver, deliverLoad, folderView, messageIdsIn } from './support.js';

/**
 * Litestream replicating `serve`'s database to a file replica (`[replica]`, docs/backup.en.md
 * "Continuous replica" and "Warm standby"): point-in-time restore, and the disaster drill —
 * DRILL_MESSAGES messages, kill -9, data directory deleted, `replica restore`, start — with the RPO and
 * RTO printed as measured.
 */

const SYNC_INTERVAL_MS = 1000;
/**
 * Messages of the drill. 400 by 10 senders span many sync intervals and keep deliveries in flight
 * at the kill, which is all the exactly-once property needs; the figures in docs/backup.en.md
 * "Warm standby" were measured with `DRILL_MESSAGES=2000`.
 */
const DRILL_MESSAGES = Number(process.env.DRILL_MESSAGES ?? 400);
const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/standby-takeover.sh');
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
}, 300_000);

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

/** Waits until no Litestream guard of this serve pid runs (src/backup/replica/supervisor.ts). */
async function untilNoGuardOf(pid: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes(`litestream-guard ${pid} `)) {
    if (Date.now() > deadline) throw new Error(`Litestream of serve ${pid} still running 30 s after the kill`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The standby's config file: serve's (same [replica], same clamd) with its own data directory
 * and listeners on other free ports, beside serve's (it names spam-rules.toml relatively).
 */
async function standbyConfig(dataDir: string): Promise<{ configFile: string; imap: number }> {
  const config = parseToml(readFileSync(server.configFile, 'utf8')) as Record<string, Record<string, unknown>>;
  const at = async () => `127.0.0.1:${await freeLoopbackPort()}`;
  const imap = await freeLoopbackPort();
  config.server!.data_dir = dataDir;
  Object.assign(config.smtp!, { mx: await at(), submission: await at(), submissions: await at() });
  Object.assign(config.imap!, { listen: `127.0.0.1:${imap}`, tls_listen: await at() });
  config.http!.listen = await at();
  config.sieve = { ...config.sieve, managesieve: await at() };
  config.ldap = { ...config.ldap, listen: await at(), tls_listen: await at() };
  const configFile = path.join(path.dirname(server.configFile), 'standby.toml');
  writeFileSync(configFile, stringifyToml(config));
  return { configFile, imap };
}

/** SIGTERM to a process this test started (the standby's serve) and wait until it is gone. */
async function stopProcess(pid: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  // Already gone (it failed to start): the assertion that failed says why, not this kill.
  if (!alive()) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (alive()) {
    if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
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
  });

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

  it(`disaster drill: ${DRILL_MESSAGES} messages, kill -9, data directory deleted, the standby takes over from the replica`, async () => {
    const sent = await deliverLoad(server.ports.mx, [an.address, binh.address], { senders: 10, total: DRILL_MESSAGES, prefix: 'drill' });
    const servePid = server.pid();
    await server.crash();
    const killedAt = Date.now();
    // As on a machine that died, Litestream is gone too: its guard stops it once serve is gone.
    await untilNoGuardOf(servePid!);
    rmSync(server.dataDir, { recursive: true, force: true });

    // The warm standby: a second data directory and other listeners on this machine, the same
    // [replica]; scripts/standby-takeover.sh restores the replica and starts serve (docs "Warm standby").
    const standby = await standbyConfig(path.join(server.dir, 'standby'));
    const takeover = await runProcess('bash', [SCRIPT, standby.configFile], { cwd: server.dir, timeoutMs: 600_000 });
    const rto = Date.now() - killedAt;
    const standbyPid = Number(/started serve: pid (\d+)/.exec(takeover.stdout)?.[1]);
    try {
      // The standby serve's own log (the script's `<data_dir>.log`) says why when it did not start.
      const standbyLog = path.join(server.dir, 'standby.log');
      expect(takeover.code, `${takeover.stdout}${takeover.stderr}${existsSync(standbyLog) ? readFileSync(standbyLog, 'utf8').slice(-3000) : ''}`).toBe(0);
      expect(takeover.stderr).toBe('');
      expect(takeover.stdout).toMatch(/^restore: \d+ ms; start until \/healthz 200: \d+ ms; total: \d+ ms$/m);

      const views = [];
      for (const official of [an, binh]) {
        const imap = await connectImapflow(standby.imap, official);
        views.push(...(await folderView(imap.client)));
        await imap.client.logout();
      }
      const counts = new Map<string, number>();
      for (const view of views) counts.set(view.messageId, (counts.get(view.messageId) ?? 0) + 1);
      const lost = sent.filter((m) => !counts.has(m.messageId));
      const rpo = lost.length === 0 ? 0 : killedAt - Math.min(...lost.map((m) => m.at));
      console.log(
        `disaster drill: ${sent.length} acknowledged, ${lost.length} lost (all within the last ${SYNC_INTERVAL_MS} ms: ${lost.every((m) => killedAt - m.at <= SYNC_INTERVAL_MS)}); ` +
          `RPO ${rpo} ms; RTO ${rto} ms (kill to /healthz 200 on the standby); standby-takeover.sh: ${takeover.stdout.match(/^restore: .*$/m)?.[0]}`,
      );
      expect(sent).toHaveLength(DRILL_MESSAGES);
      // Present exactly once: everything acknowledged more than the sync interval before the kill.
      for (const message of sent.filter((m) => killedAt - m.at > SYNC_INTERVAL_MS)) expect(counts.get(message.messageId), message.messageId).toBe(1);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);

      // Run again while the standby serves, the script refuses: never two servers on one replica.
      const again = await runProcess('bash', [SCRIPT, standby.configFile], { cwd: server.dir });
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/a cantho-mail already answers at http:\/\/127\.0\.0\.1:\d+: stop it first/);
    } finally {
      if (standbyPid > 0) await stopProcess(standbyPid);
    }
  }, 900_000);
});
