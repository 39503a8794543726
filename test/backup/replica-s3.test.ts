import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3_ACCESS_KEY, startS3, type RunningS3 } from '../helpers/s3rver.js';
import { startReadmeServer, type Official, type ReadmeServer } from '../interop/readme-server.js';
import { deliver, messageIdsIn } from './support.js';

/**
 * Litestream replicating `serve`'s database to an S3-compatible store (docs/backup.en.md
 * "Continuous replica": MinIO, Ceph RGW): s3rver on 127.0.0.1 as `[replica] endpoint`,
 * path-style, credentials from LITESTREAM_ACCESS_KEY_ID / LITESTREAM_SECRET_ACCESS_KEY in serve's
 * environment; `replica restore` reads the database back from it.
 */

let s3: RunningS3;
let server: ReadmeServer;
let an: Official;
const credentials = { LITESTREAM_ACCESS_KEY_ID: S3_ACCESS_KEY.id, LITESTREAM_SECRET_ACCESS_KEY: S3_ACCESS_KEY.secret };

beforeAll(async () => {
  s3 = await startS3();
  // serve and the CLI inherit the test's environment (test/interop/readme-server.ts).
  Object.assign(process.env, credentials);
  server = await startReadmeServer({
    passwordChange: 'config',
    config: { replica: { url: `s3://${s3.bucket}/cantho/mail.db`, endpoint: s3.endpoint, region: 'us-east-1', sync_interval: '1s' } },
  });
  an = await server.addOfficial('Nguyễn Văn An');
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await s3?.stop();
  for (const key of Object.keys(credentials)) delete process.env[key];
});

interface Health {
  components?: { replica?: { status: string; detail: string } };
}

describe('the replica on an S3-compatible store', () => {
  it('replicates to the bucket, and replica restore reads every acknowledged message back', async () => {
    const sent = [];
    for (let n = 0; n < 5; n++) sent.push(await deliver(server.ports.mx, an.address, `s3-${n}@example.org`));
    const deadline = Date.now() + 60_000;
    // Caught up on a reading taken well after the last 250 (two sync intervals and a poll).
    for (;;) {
      const health = (await (await fetch(`http://127.0.0.1:${server.ports.http}/healthz`)).json()) as Health;
      if (health.components?.replica?.detail === 'caught up' && Date.now() - sent.at(-1)!.at > 3000) break;
      if (Date.now() > deadline) throw new Error(`replica not caught up within 60 s: ${JSON.stringify(health)}\n${server.log().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // Litestream's layout in the bucket: <path>/generations/<id>/{snapshots,wal}/…
    const generations = path.join(s3.directory, 'cantho', 'mail.db', 'generations');
    expect(existsSync(generations)).toBe(true);
    expect(readdirSync(generations)).toHaveLength(1);

    const to = path.join(server.dir, 'from-s3');
    const restored = await server.cli(['--json', 'replica', 'restore', '--to', to]);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(messageIdsIn(path.join(to, 'mail.db'))).toEqual(expect.arrayContaining(sent.map((m) => m.messageId)));
  }, 180_000);
});
