import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../imap/support.js';
import { sendThroughMx, sendThroughSubmission } from '../helpers/mx.js';
import { clusterForThisFile } from '../helpers/postgres-cluster.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { runSievelib } from '../helpers/sievelib.js';

/**
 * A node whose PostgreSQL store is briefly unreachable keeps running and says so at the protocol
 * edge: SMTP 451 (RFC 5321 §4.2.5, the sender retries), IMAP NO (RFC 9051 §7.1.2) and ManageSieve
 * NO (TRYLATER) (RFC 5804 §1.3), then serves
 * again once the database is back (docs/postgres.en.md "When the database is unreachable").
 */
const cluster = clusterForThisFile();
let url: string;
let t: TestServer;
let user: TestUser;

beforeAll(async () => {
  url = await cluster().createDatabase();
  t = await startTestServer({ config: { store: { backend: 'postgres', postgres_url: url, postgres_pool: 4 } } });
  user = await t.addUser('Phạm Minh Tâm');
}, 240_000);
afterAll(async () => {
  await t?.close();
});

/** As the cluster's superuser: refuses new connections to the store's database and ends the open ones, or lets them in again. */
async function setReachable(reachable: boolean): Promise<void> {
  const database = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: cluster().url });
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE ${database} WITH ALLOW_CONNECTIONS ${reachable}`);
    if (!reachable) await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
  } finally {
    await admin.end();
  }
}

function mail(subject: string): { from: string; to: string; subject: string; text: string } {
  return { from: 'Sở Xây dựng <soxaydung@example.org>', to: user.address, subject, text: 'Kính gửi anh Tâm.' };
}

/** `send` until it is not refused with a 4xx, a bounded number of times, half a second apart. */
async function untilAccepted(send: () => Promise<string>): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const reply = await send().catch((error: { response?: string }) => error.response ?? String(error));
    if (!reply.startsWith('4') || attempt === 40) return reply;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('PostgreSQL briefly unreachable', () => {
  it('answers SMTP (MX and submission to the outbound queue) with 451 and IMAP with NO, then serves again', async () => {
    const imap = await RawClient.connect(t.ports.imap);
    try {
      expect((await imap.command('L', `LOGIN "${user.address}" "${user.password}"`)).at(-1)).toMatch(/^L OK/);
      expect((await imap.command('S', 'SELECT INBOX')).at(-1)).toMatch(/^S OK/);

      await setReachable(false);
      try {
        const refused = await sendThroughMx(t.ports.mx, mail('Khi cơ sở dữ liệu vắng')).catch((error: { response?: string }) => error.response);
        expect(refused).toMatch(/^451 4\.3\.0 /);
        expect((await imap.command('F', 'STATUS INBOX (MESSAGES)')).at(-1)).toMatch(/^F NO \[UNAVAILABLE\] /);
        // A remote recipient goes to the outbound queue, which is in PostgreSQL too.
        const outbound = await sendThroughSubmission(t.ports.submission, user, { from: user.address, to: 'vanthu@soyte.example', subject: 'Gửi ra ngoài', text: 'Kính gửi Sở Y tế.' }).catch(
          (error: { response?: string }) => error.response,
        );
        expect(outbound).toMatch(/^451 4\.3\.0 /);
      } finally {
        await setReachable(true);
      }

      // As a sending MTA does: retried after a 451. The pool tries the database again once its
      // reconnect backoff (at most 2 s, docs/postgres.en.md "Failover") has passed.
      expect(await untilAccepted(() => sendThroughMx(t.ports.mx, mail('Khi cơ sở dữ liệu trở lại')))).toMatch(/^250 /);
      expect((await imap.command('N', 'STATUS INBOX (MESSAGES)')).join(' ')).toContain('(MESSAGES 1)');
    } finally {
      imap.close();
    }
  }, 180_000);

  it('answers ManageSieve with NO (TRYLATER), then serves again', async () => {
    const list = 'print(json.dumps(c.listscripts()))\nprint(c.errcode.decode())\nc.logout()';
    await setReachable(false);
    let during: string;
    try {
      during = await runSievelib(t.ports.managesieve, user, list);
    } finally {
      await setReachable(true);
    }
    expect(during.split('\n').at(-1)).toBe('TRYLATER');
    const put = 'print(c.putscript("a", "keep;"))\nprint(json.dumps(c.listscripts()))\nc.logout()';
    await expect.poll(() => runSievelib(t.ports.managesieve, user, put).catch(String), { timeout: 60_000, interval: 500 }).toBe('True\n[null, ["a"]]');
  }, 180_000);
});
