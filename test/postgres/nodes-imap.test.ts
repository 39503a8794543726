import { ImapFlow } from 'imapflow';
import { describe, expect, it } from 'vitest';
import { RawClient } from '../imap/support.js';
import { sendThroughMx } from '../helpers/mx.js';
import { twoNodesForThisFile } from '../helpers/postgres-cluster.js';
import type { TestUser } from '../helpers/server.js';

/**
 * Two cantho-mail nodes on different ports sharing one PostgreSQL store and one data directory
 * (the SQLite directory file), as two nodes behind HAProxy (docs/postgres.en.md "Several nodes").
 * Changes reach the other node's sessions through LISTEN/NOTIFY ("Change events between nodes").
 */
const nodes = twoNodesForThisFile('Lê Thị Hoa');

describe('two nodes on one PostgreSQL', () => {
  it('wakes an IDLE client on node B for a message delivered through node A’s MX', async () => {
    const flow = new ImapFlow({ host: '127.0.0.1', port: nodes().nodeB.ports.imap, secure: false, tls: { rejectUnauthorized: false }, auth: { user: nodes().user.address, pass: nodes().user.password }, logger: false });
    await flow.connect();
    try {
      const box = await flow.mailboxOpen('INBOX');
      const before = box.exists;
      const woken = new Promise<{ count: number; at: number }>((resolve) => flow.on('exists', (update: { count: number }) => resolve({ count: update.count, at: performance.now() })));
      const idling = flow.idle();
      const sentAt = performance.now();
      const reply = await sendThroughMx(nodes().nodeA.ports.mx, { from: 'Sở Tài chính <sotaichinh@example.org>', to: nodes().user.address, subject: 'Dự toán ngân sách', text: 'Kính gửi chị Hoa.' });
      const acknowledgedAt = performance.now();
      expect(reply).toMatch(/^250 /);
      const exists = await woken;
      expect(exists.count).toBe(before + 1);
      // docs/postgres.en.md "Change events between nodes": the figure, never a test threshold.
      console.log(`node A's 250 → EXISTS on node B's IDLE: ${(exists.at - acknowledgedAt).toFixed(1)} ms (SMTP transaction ${(acknowledgedAt - sentAt).toFixed(1)} ms)`);
      // imapflow ends the IDLE (DONE) before its next command.
      const fetched = await flow.fetchOne(String(exists.count), { envelope: true });
      expect(fetched && fetched.envelope?.subject).toBe('Dự toán ngân sách');
      await idling;
    } finally {
      await flow.logout();
    }
  }, 120_000);
});

describe('NOTIFY across nodes', () => {
  it("tells a session on node A of a folder created on node B, never of its own (RFC 5465 §5)", async () => {
    const [watcher, other] = await Promise.all([RawClient.connect(nodes().nodeA.ports.imap), RawClient.connect(nodes().nodeB.ports.imap)]);
    try {
      for (const client of [watcher, other]) expect((await client.command('L', `LOGIN "${nodes().user.address}" "${nodes().user.password}"`)).at(-1)).toMatch(/^L OK/);
      expect(await watcher.command('n', 'NOTIFY SET (PERSONAL (MailboxName))')).toEqual(['n OK NOTIFY completed']);
      expect(await watcher.command('c', 'CREATE Rieng')).toEqual(['c OK CREATE completed']);
      expect((await other.command('c', 'CREATE Chung')).at(-1)).toMatch(/^c OK/);
      // Had its own CREATE been echoed (after the store's awaited COMMIT), that LIST would come first.
      expect(await watcher.readLine(60_000)).toBe('* LIST () "/" Chung');
    } finally {
      watcher.close();
      other.close();
    }
  }, 120_000);
});

/** What one client saw during the concurrent run. */
interface ClientLog {
  readonly node: 'A' | 'B';
  readonly appended: number[];
  /** [uid, MODSEQ] of each single-UID STORE, in the order this client's commands completed. */
  readonly stores: Array<[number, number]>;
  commands: number;
  readonly failures: string[];
}

const RUN_MS = 30_000;
const CLIENTS_PER_NODE = 5;

function tagged(lines: readonly string[], tag: string): string {
  return lines[lines.length - 1]!.slice(tag.length + 1);
}

/** A client on `port` in INBOX with CONDSTORE (RFC 7162 §3.1.8: SELECT (CONDSTORE) enables it). */
async function condstoreClient(port: number, login: TestUser): Promise<RawClient> {
  const client = await RawClient.connect(port);
  const reply = await client.command('L', `LOGIN "${login.address}" "${login.password}"`);
  if (!tagged(reply, 'L').startsWith('OK')) throw new Error(`login failed: ${reply.join(' | ')}`);
  const selected = await client.command('S', 'SELECT INBOX (CONDSTORE)');
  if (!tagged(selected, 'S').startsWith('OK')) throw new Error(`SELECT failed: ${selected.join(' | ')}`);
  return client;
}

/** APPEND, STORE +FLAGS (\Flagged) on it, \Deleted on the one before, EXPUNGE every fourth round, until `until`. */
async function runClient(port: number, log: ClientLog, id: string, until: number): Promise<void> {
  const client = await condstoreClient(port, nodes().user);
  let n = 0;
  const run = async (tag: string, text: string): Promise<string[]> => {
    const lines = await client.command(tag, text);
    log.commands++;
    if (!tagged(lines, tag).startsWith('OK')) log.failures.push(`${text.split(' ')[0]}: ${tagged(lines, tag)}`);
    return lines;
  };
  const store = async (uid: number, flag: string): Promise<void> => {
    const tag = `T${n++}`;
    const lines = await run(tag, `UID STORE ${uid} +FLAGS (${flag})`);
    // RFC 7162 §3.1.4: with CONDSTORE enabled, the FETCH a STORE causes carries the MODSEQ.
    const mine = lines.map((line) => /^\* \d+ FETCH \((.*)\)$/.exec(line)?.[1]).filter((items): items is string => items !== undefined && new RegExp(`(^| )UID ${uid}( |$)`).test(items) && items.includes(flag));
    const modSeq = mine.map((items) => Number(/MODSEQ \((\d+)\)/.exec(items)?.[1])).at(-1);
    if (modSeq === undefined || Number.isNaN(modSeq)) log.failures.push(`STORE ${uid} ${flag}: no FETCH with MODSEQ (${lines.join(' | ')})`);
    else log.stores.push([uid, modSeq]);
  };
  try {
    let previous: number | undefined;
    for (let round = 0; Date.now() < until; round++) {
      const body = Buffer.from(`From: ${id}@cantho.gov.vn\r\nTo: ${nodes().user.address}\r\nSubject: ${id} round ${round}\r\nMessage-ID: <${id}.${round}@cantho.gov.vn>\r\n\r\nround ${round}\r\n`);
      const tag = `A${n++}`;
      client.send(`${tag} APPEND INBOX {${body.length}+}\r\n`);
      client.send(Buffer.concat([body, Buffer.from('\r\n')]));
      const lines = await client.until((line) => line.startsWith(`${tag} `));
      log.commands++;
      // RFC 4315 §3: OK [APPENDUID uidvalidity uid].
      const uid = Number(/^OK \[APPENDUID \d+ (\d+)\]/.exec(tagged(lines, tag))?.[1]);
      if (Number.isNaN(uid)) {
        log.failures.push(`APPEND: ${tagged(lines, tag)}`);
        continue;
      }
      log.appended.push(uid);
      await store(uid, '\\Flagged');
      if (previous !== undefined) await store(previous, '\\Deleted');
      previous = uid;
      if (round % 4 === 3) await run(`E${n++}`, 'EXPUNGE');
    }
  } finally {
    await client.command('Z', 'LOGOUT').catch(() => undefined);
    client.close();
  }
}

/** (UID, FLAGS, MODSEQ) of every message in INBOX as `port`'s node lists them, and its HIGHESTMODSEQ. */
async function listing(port: number): Promise<{ rows: string[]; highest: number }> {
  const client = await condstoreClient(port, nodes().user);
  try {
    const status = await client.command('S', 'STATUS INBOX (HIGHESTMODSEQ)');
    const highest = Number(/HIGHESTMODSEQ (\d+)/.exec(status.join(' '))?.[1]);
    const lines = await client.command('F', 'UID FETCH 1:* (UID FLAGS MODSEQ)');
    const rows = lines
      .filter((line) => / FETCH \(/.test(line))
      .map((line) => {
        const uid = /UID (\d+)/.exec(line)![1]!;
        const flags = /FLAGS \(([^)]*)\)/.exec(line)![1]!.split(' ').filter(Boolean).sort().join(' ');
        const modSeq = /MODSEQ \((\d+)\)/.exec(line)![1]!;
        return `${uid} (${flags}) ${modSeq}`;
      })
      .sort((x, y) => Number(x.split(' ')[0]) - Number(y.split(' ')[0]));
    return { rows, highest };
  } finally {
    client.close();
  }
}

describe('ten clients through both nodes', () => {
  it('APPEND, STORE with CONDSTORE and EXPUNGE for 30 s without a UID or MODSEQ conflict', async () => {
    const logs: ClientLog[] = Array.from({ length: 2 * CLIENTS_PER_NODE }, (_, i) => ({ node: i % 2 === 0 ? 'A' : 'B', appended: [], stores: [], commands: 0, failures: [] }));
    // Messages the other tests of this file left in INBOX: there before, not the clients'.
    const before = new Set((await listing(nodes().nodeA.ports.imap)).rows.map((row) => Number(row.split(' ')[0])));
    const until = Date.now() + RUN_MS;
    const started = performance.now();
    await Promise.all(logs.map((log, i) => runClient(log.node === 'A' ? nodes().nodeA.ports.imap : nodes().nodeB.ports.imap, log, `c${i}`, until)));
    const seconds = (performance.now() - started) / 1000;

    expect(logs.flatMap((log) => log.failures)).toEqual([]);
    // Every APPENDUID unique (RFC 4315 §3), and ascending as each client saw them.
    const uids = logs.flatMap((log) => log.appended);
    expect(new Set(uids).size).toBe(uids.length);
    for (const log of logs) expect(log.appended).toEqual([...log.appended].sort((x, y) => x - y));
    // Each STORE got a MODSEQ of its own (RFC 7162 §3.1.4), ascending in the order committed.
    const modSeqs = logs.flatMap((log) => log.stores.map(([, modSeq]) => modSeq));
    expect(new Set(modSeqs).size).toBe(modSeqs.length);
    for (const log of logs) {
      const own = log.stores.map(([, modSeq]) => modSeq);
      expect(own).toEqual([...own].sort((x, y) => x - y));
    }

    const [onA, onB] = await Promise.all([listing(nodes().nodeA.ports.imap), listing(nodes().nodeB.ports.imap)]);
    expect(onB.rows).toEqual(onA.rows);
    expect(onB.highest).toBe(onA.highest);
    expect(onA.highest).toBeGreaterThanOrEqual(Math.max(...modSeqs));
    // What is left is what was appended and not expunged: every UID one of the clients appended (or there before).
    const appended = new Set([...uids, ...before]);
    expect(onA.rows.every((row) => appended.has(Number(row.split(' ')[0])))).toBe(true);

    for (const node of ['A', 'B'] as const) {
      const commands = logs.filter((log) => log.node === node).reduce((sum, log) => sum + log.commands, 0);
      console.log(`node ${node}: ${CLIENTS_PER_NODE} clients, ${commands} commands in ${seconds.toFixed(1)} s: ${(commands / seconds).toFixed(1)} commands/s`);
    }
    console.log(`${uids.length} APPENDs, ${modSeqs.length} STOREs, ${onA.rows.length} messages left, HIGHESTMODSEQ ${onA.highest}`);
  }, 240_000);
});
