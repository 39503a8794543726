import { EventEmitter } from 'node:events';
import os from 'node:os';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeBusReconnects, changeEventsReceived, changeEventsSent } from '../../src/metrics.js';
import { ChangeBus, openPostgresPool, type PgPool } from '../../src/store/index.js';
import { decodeNotice, encodeChange, encodeScriptsWritten, MAX_PAYLOAD_BYTES } from '../../src/store/postgres/notify-payload.js';
import { CHANGE_CHANNEL } from '../../src/store/postgres/notify.js';
import { asModSeq, asUid, type MailboxChange, type MailboxId } from '../../src/store/types.js';
import { clusterForThisFile } from '../helpers/postgres-cluster.js';
import { ANNV, loggedIn, startImapTestServer } from '../imap/support.js';
import { annv, message, openTestStore, type TestStore } from './helpers.js';

/**
 * Two nodes on one database: node A is the store that makes the changes (its own emitter), node
 * B a second emitter reading the same store for catch-ups, as two cantho-mail processes sharing
 * one PostgreSQL store would.
 */
const cluster = clusterForThisFile();
let url: string;
let pool: PgPool;
let data: TestStore;
let nodeB: EventEmitter<{ change: [MailboxChange] }>;
let busA: ChangeBus;
let busB: ChangeBus;
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  url = await cluster().createDatabase();
  pool = openPostgresPool(url, { poolSize: 4 });
  data = openTestStore();
  await data.store.ensureAccount(annv);
  nodeB = new EventEmitter();
  busA = new ChangeBus({ url, pool, events: data.store.events, reader: data.store, logger, nodeId: 'A', minBackoffMs: 20 });
  busB = new ChangeBus({ url, pool, events: nodeB, reader: data.store, logger, nodeId: 'B', minBackoffMs: 20 });
  await Promise.all([busA.start(), busB.start()]);
}, 240_000);

afterAll(async () => {
  await busA?.close();
  await busB?.close();
  await pool?.end();
  await data?.cleanup();
});

/** The next change `emitter` emits that `accept` takes. */
function nextChange(emitter: EventEmitter<{ change: [MailboxChange] }>, accept: (change: MailboxChange) => boolean = () => true): Promise<MailboxChange> {
  return new Promise((resolve) => {
    const onChange = (change: MailboxChange): void => {
      if (!accept(change)) return;
      emitter.off('change', onChange);
      resolve(change);
    };
    emitter.on('change', onChange);
  });
}

async function inbox(): Promise<MailboxId> {
  return (await data.store.getMailbox(annv, 'INBOX'))!.id;
}

describe('change events between nodes (LISTEN/NOTIFY)', () => {
  it('delivers a change made on node A to node B, and does not echo it back to A', async () => {
    const seenOnA: MailboxChange[] = [];
    const recordA = (change: MailboxChange): void => void seenOnA.push(change);
    data.store.events.on('change', recordA);
    let remoteOnB = false;
    const arrived = nextChange(nodeB, (c) => {
      remoteOnB = busB.emittingRemoteChange;
      return c.kind === 'append';
    });
    const [appended] = await data.store.appendMessages(await inbox(), [{ raw: message() }]);
    const change = await arrived;
    expect(remoteOnB).toBe(true);
    expect(busA.emittingRemoteChange).toBe(false);
    expect(change).toEqual({ kind: 'append', account: annv, mailbox: appended!.mailbox, uids: [appended!.uid], modSeq: expect.any(Number) });

    // A change B sends after A's own notice reached B also reaches A after A's own notice: by then A has skipped its echo.
    const backOnA = nextChange(data.store.events, (c) => c.kind === 'mailboxes');
    nodeB.emit('change', { kind: 'mailboxes', account: annv });
    await backOnA;
    data.store.events.off('change', recordA);
    expect(seenOnA.map((c) => c.kind)).toEqual(['append', 'mailboxes']);
  });

  it('sends a change too large for one notification as a catch-up that node B reads back from the store', async () => {
    const mailbox = await inbox();
    const results = await data.store.appendMessages(
      mailbox,
      Array.from({ length: 3600 }, (_, i) => ({ raw: message({ subject: `Số ${i}` }) })),
    );
    // Every other message: 1800 single UIDs, no ranges to shorten them.
    const flagged = results.filter((_, i) => i % 2 === 0).map((r) => r.uid);

    const wire = new pg.Client({ connectionString: url });
    await wire.connect();
    await wire.query(`LISTEN ${CHANGE_CHANNEL}`);
    const payloads: string[] = [];
    wire.on('notification', (n) => payloads.push(n.payload ?? ''));
    const catchUp = { form: 'catch-up' };
    const [sentBefore, receivedBefore] = [changeEventsSent.value(catchUp), changeEventsReceived.value(catchUp)];
    try {
      const arrived = nextChange(nodeB, (c) => c.kind === 'flags');
      await data.store.storeFlags(mailbox, flagged, 'add', ['\\Flagged']);
      const change = await arrived;
      expect(changeEventsSent.value(catchUp) - sentBefore).toBe(1);
      expect(changeEventsReceived.value(catchUp) - receivedBefore).toBe(1);
      expect(change.kind === 'flags' && change.uids).toEqual(flagged);
      await busA.flushed();
      const sent = payloads.find((p) => p.includes('"k":"f"'));
      expect(sent).toBeDefined();
      expect(Buffer.byteLength(sent!)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
      expect(decodeNotice(sent!)).toMatchObject({ node: 'A', catchUp: { kind: 'flags', mailbox, lowest: flagged[0], highest: flagged.at(-1) } });
    } finally {
      await wire.end();
    }
  }, 180_000);

  it('reads an oversized expunge back from the expunge history', async () => {
    const mailbox = await inbox();
    const rows = await data.store.listMessages(mailbox);
    const doomed = rows.filter((_, i) => i % 2 === 1).map((r) => r.uid);
    await data.store.storeFlags(mailbox, doomed, 'add', ['\\Deleted']);
    const arrived = nextChange(nodeB, (c) => c.kind === 'expunge');
    await data.store.expunge(mailbox);
    const change = await arrived;
    expect(change.kind === 'expunge' && change.uids).toEqual(doomed);
  }, 180_000);

  it('reconnects after its LISTEN connection is terminated and tells sessions to re-read', async () => {
    const before = busB.listenerPid;
    expect(before).not.toBeNull();
    const reconnectsBefore = changeBusReconnects.value();
    const resync = nextChange(nodeB, (c) => c.kind === 'external');
    await pool.query('SELECT pg_terminate_backend($1)', [before]);
    await resync;
    expect(changeBusReconnects.value() - reconnectsBefore).toBe(1);
    expect(busB.listenerPid).not.toBe(before);

    const arrived = nextChange(nodeB, (c) => c.kind === 'append');
    await data.store.appendMessages(await inbox(), [{ raw: message({ subject: 'Sau khi nối lại' }) }]);
    expect((await arrived).kind).toBe('append');
  });

  it('keeps trying when the database is not there at start, and tells sessions to re-read once it listens', async () => {
    const name = `later_${process.pid}`;
    const laterUrl = url.replace(/\/[^/]+$/, `/${name}`);
    const events = new EventEmitter<{ change: [MailboxChange] }>();
    const bus = new ChangeBus({ url: laterUrl, pool, events, reader: data.store, logger, nodeId: 'C', minBackoffMs: 20, maxBackoffMs: 200 });
    await bus.start();
    expect(bus.listenerPid).toBeNull();
    try {
      const resync = nextChange(events, (c) => c.kind === 'external');
      await cluster().createDatabase(name);
      await resync;
      expect(bus.listenerPid).not.toBeNull();
    } finally {
      await bus.close();
    }
  });

  it('measures the delay from a change on A to its event on B', async () => {
    const mailbox = await inbox();
    const delays: number[] = [];
    for (let i = 0; i < 50; i++) {
      const arrived = nextChange(nodeB, (c) => c.kind === 'flags');
      const start = performance.now();
      data.store.events.emit('change', { kind: 'flags', account: annv, mailbox, uids: [asUid(1)], modSeq: asModSeq(1) });
      await arrived;
      delays.push(performance.now() - start);
    }
    delays.sort((a, b) => a - b);
    const at = (q: number): string => delays[Math.floor(q * (delays.length - 1))]!.toFixed(2);
    console.log(`change bus A→B over ${delays.length} changes: median ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms (load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})`);
    expect(delays).toHaveLength(50);
  });
});

describe('a node with [store] backend = "postgres"', () => {
  // A STATUS for a mailbox that is not selected comes only from a change naming that mailbox
  // (RFC 5465 §5.2), never from a resynchronisation: it shows the notice took the bus's path.
  it('tells a NOTIFY session of a message another node put in a mailbox it watches', async () => {
    const database = await cluster().createDatabase();
    const server = await startImapTestServer({ store: { backend: 'postgres', postgres_url: database } });
    const otherNode = new pg.Client({ connectionString: database });
    await otherNode.connect();
    try {
      const archive = (await server.store.getMailbox(ANNV, 'Archive'))!;
      const client = await loggedIn(server);
      await client.command('s', 'SELECT INBOX');
      expect(await client.command('n', 'NOTIFY SET (MAILBOXES Archive (MessageNew MessageExpunge))')).toEqual(['n OK NOTIFY completed']);
      // What another node's bus sends after its delivery committed.
      const notice = encodeChange('other-node', { kind: 'append', account: ANNV, mailbox: archive.id, uids: [asUid(1)], modSeq: asModSeq(2) });
      await otherNode.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, notice!.payload]);
      expect(await client.readLine(30_000)).toBe(`* STATUS Archive (MESSAGES 0 UIDNEXT ${archive.uidNext} UIDVALIDITY ${archive.uidValidity} UNSEEN 0)`);
      client.close();
    } finally {
      await otherNode.end();
      await server.close();
    }
  });
});

describe('change notification payloads', () => {
  const mailbox = 7 as MailboxId;
  it('sends UIDs as ranges and reads them back', () => {
    const change: MailboxChange = { kind: 'expunge', account: annv, mailbox, uids: [1, 2, 3, 7, 9, 10].map(asUid), modSeq: asModSeq(12) };
    const { payload, catchUp } = encodeChange('n1', change)!;
    expect(catchUp).toBe(false);
    expect(payload).toContain('"u":"1:3,7,9:10"');
    expect(decodeNotice(payload)).toEqual({ node: 'n1', change });
  });

  it('names the account whose Sieve scripts were written, in a few bytes', () => {
    const payload = encodeScriptsWritten('n1', annv);
    expect(payload).toBe('{"n":"n1","k":"s","a":"annv@cantho.gov.vn"}');
    expect(decodeNotice(payload)).toEqual({ node: 'n1', scriptsWritten: annv });
  });

  it('sends no notice for a resynchronisation, which every node learns for itself', () => {
    expect(encodeChange('n1', { kind: 'external' })).toBeNull();
  });

  it('ignores notifications that are not ours', () => {
    for (const text of ['hello', '{}', '{"n":"x","k":"f","a":"annv@cantho.gov.vn","m":1,"s":2,"u":"5:3"}', 'null']) expect(decodeNotice(text)).toBeNull();
  });
});

