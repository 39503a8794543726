import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFilterPipeline, type RunningFilterPipeline } from '../../src/filters/pipeline.js';
import { EICAR, startClamd, type RunningClamd } from '../helpers/clamd.js';
import { captureLogger, compose, inbound, makeZip, outbound, plain, tempDir, testConfig, writeRules } from './support.js';

/** Real clamd (test/helpers/clamd.ts) with our one-signature database; every reply asserted exactly. */

const INFECTED = { code: 554, enhanced: '5.7.1', text: 'Message contains a virus (Test.EICAR.UNOFFICIAL)' };
const UNAVAILABLE = { code: 451, enhanced: '4.3.0', text: 'Virus scanner unavailable, try again later' };
const NOT_SCANNED = { code: 451, enhanced: '4.7.0', text: 'Message could not be virus-scanned in time, try again later' };

const temp = tempDir();
const rulesFile = writeRules(temp.dir, '');
let clamd: RunningClamd;
const open: RunningFilterPipeline[] = [];

function pipeline(clamav: Record<string, unknown>, logger = captureLogger().logger): RunningFilterPipeline {
  const p = createFilterPipeline(testConfig(rulesFile, { clamav: { timeout: '20s', ...clamav } }), { logger, resolver: async () => [], bayes: null, watchRules: false });
  open.push(p);
  return p;
}

beforeAll(async () => {
  clamd = await startClamd();
});
afterAll(async () => {
  for (const p of open) p.close();
  await clamd.stop();
  temp.cleanup();
});

describe('virus filter with a real clamd', () => {
  it('accepts a clean message and marks it X-Virus-Status: Clean', async () => {
    const verdict = await pipeline({ socket: clamd.socket }).check(plain('Họp giao ban', 'Kính gửi các đồng chí.'), inbound());
    expect(verdict.action).toBe('accept');
    expect(verdict.addHeaders[0]).toEqual(['X-Virus-Status', 'Clean']);
  });

  it('refuses EICAR in the body with 554 5.7.1 naming the signature', async () => {
    const verdict = await pipeline({ socket: clamd.socket }).check(plain('hello', `see this: ${EICAR}`), inbound());
    expect(verdict.action).toBe('reject');
    expect(verdict.reply).toEqual(INFECTED);
    expect(verdict.reasons).toEqual([{ id: 'virus', score: 0, description: 'virus found: Test.EICAR.UNOFFICIAL' }]);
  });

  it('finds EICAR as a plain (7bit) attachment', async () => {
    const raw = await compose({ text: 'file attached', attachments: [{ filename: 'eicar.com', content: EICAR, contentTransferEncoding: '7bit' }] });
    expect(raw.includes(EICAR)).toBe(true);
    expect((await pipeline({ socket: clamd.socket }).check(raw, inbound())).reply).toEqual(INFECTED);
  });

  it('finds EICAR base64-encoded in a MIME attachment', async () => {
    const raw = await compose({ text: 'file attached', attachments: [{ filename: 'report.txt', content: Buffer.from(EICAR) }] });
    expect(raw.includes(EICAR)).toBe(false);
    expect((await pipeline({ socket: clamd.socket }).check(raw, inbound())).reply).toEqual(INFECTED);
  });

  it('finds EICAR inside a zip attachment, over TCP as well as the unix socket', async () => {
    const zip = makeZip([{ name: 'readme.txt', data: Buffer.from('nothing here') }, { name: 'tai_lieu/eicar.com', data: Buffer.from(EICAR) }]);
    const raw = await compose({ text: 'hồ sơ đính kèm', attachments: [{ filename: 'ho_so.zip', content: zip }] });
    expect((await pipeline({ socket: clamd.socket }).check(raw, inbound())).reply).toEqual(INFECTED);
    expect((await pipeline({ host: '127.0.0.1', port: clamd.port }).check(raw, inbound())).reply).toEqual(INFECTED);
  });

  it('refuses an infected message sent by an official (outbound) the same way', async () => {
    const verdict = await pipeline({ socket: clamd.socket }).check(plain('x', EICAR), outbound());
    expect(verdict.reply).toEqual(INFECTED);
    expect(verdict.reasons[0]!.id).toBe('virus');
  });

  it('scans a zip bomb without hanging: clamd stops extracting at MaxFileSize and answers OK', async () => {
    // 64 MB of zeros deflate to ~64 KB; clamd extracts only up to MaxFileSize (25 MB here).
    const zip = makeZip([{ name: 'zeros.bin', data: Buffer.alloc(64 * 1024 * 1024) }]);
    const raw = await compose({ text: 'bomb', attachments: [{ filename: 'bomb.zip', content: zip }] });
    // Not hanging is the Clean verdict itself: a scan past [clamav] timeout (20 s here) is a tempfail.
    const verdict = await pipeline({ socket: clamd.socket }).check(raw, inbound());
    expect(verdict.action).toBe('accept');
    expect(verdict.addHeaders[0]).toEqual(['X-Virus-Status', 'Clean']);
  });

  it('refuses zips nested deeper than MaxRecursion when clamd has AlertExceedsMax', async () => {
    let data: Buffer = Buffer.from('innermost');
    for (let level = 0; level < 6; level++) data = makeZip([{ name: `level${level}.zip`, data }]);
    const raw = await compose({ text: 'nested', attachments: [{ filename: 'nested.zip', content: data }] });
    const strict = await startClamd({ alertExceedsMax: true, maxRecursion: 4 });
    try {
      const verdict = await pipeline({ socket: strict.socket }).check(raw, inbound());
      expect(verdict.reply).toEqual({ code: 554, enhanced: '5.7.1', text: 'Message contains a virus (Heuristics.Limits.Exceeded.MaxRecursion)' });
    } finally {
      await strict.stop();
    }
  });
});

describe('virus filter when clamd is not there', () => {
  it('tempfails with 451 4.3.0 once clamd is stopped in the middle of a run', async () => {
    const own = await startClamd();
    const { logger, lines } = captureLogger();
    const p = pipeline({ socket: own.socket }, logger);
    // A freshly started clamd can answer PING a moment before its first scan succeeds on a loaded
    // machine: wait (bounded) for one clean scan, which is the precondition of this test.
    let first = await p.check(plain('a', 'clean'), inbound());
    for (let attempt = 0; first.action !== 'accept' && attempt < 20; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      first = await p.check(plain('a', 'clean'), inbound());
    }
    expect(first.action).toBe('accept');
    await own.stop();
    const verdict = await p.check(plain('b', 'clean'), inbound());
    expect(verdict.action).toBe('tempfail');
    expect(verdict.reply).toEqual(UNAVAILABLE);
    expect(verdict.reasons[0]!.id).toBe('virus:unavailable');
    expect(lines.some((l) => l.level === 40 && l.msg === 'clamd unavailable: message tempfailed')).toBe(true);
  });

  it('with on_unavailable = "accept", delivers with X-Virus-Status: Unchecked and logs a warning', async () => {
    const { logger, lines } = captureLogger();
    const verdict = await pipeline({ socket: '/nonexistent/clamd.sock', on_unavailable: 'accept' }, logger).check(plain('c', 'clean'), inbound());
    expect(verdict.action).toBe('accept');
    expect(verdict.addHeaders[0]).toEqual(['X-Virus-Status', 'Unchecked']);
    expect(lines.find((l) => l.level === 40)?.msg).toBe('clamd unavailable: message accepted unscanned (on_unavailable = "accept")');
  });

  it('tempfails (4.7.0) a message clamd does not answer within the timeout, even with on_unavailable = "accept"', async () => {
    const silent = net.createServer((socket) => socket.on('data', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const { logger, lines } = captureLogger();
      const verdict = await pipeline({ host: '127.0.0.1', port, timeout: '500ms', on_unavailable: 'accept' }, logger).check(plain('d', 'clean', { 'Message-ID': '<d@example.org>' }), inbound());
      expect(verdict.action).toBe('tempfail');
      expect(verdict.reply).toEqual(NOT_SCANNED);
      expect(verdict.reasons[0]!.description).toBe('not scanned: no answer from clamd within 500 ms');
      expect(lines.some((l) => l.msg === 'message not scanned in time: tempfailed' && l.messageId === '<d@example.org>')).toBe(true);
    } finally {
      silent.close();
    }
  });

  it('keeps at most max_concurrent_scans at clamd, queues a bounded number and tempfails the rest at once', async () => {
    const connections: net.Socket[] = [];
    const silent = net.createServer((socket) => {
      connections.push(socket);
      socket.on('data', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const p = pipeline({ host: '127.0.0.1', port, timeout: '1s', max_concurrent_scans: 1, max_queued_scans: 4 });
      // One scanning, four waiting (the queue of the small lane), two refused without waiting:
      // answered before the scan's 1 s timeout answers any of the others, whatever the load.
      const answered: string[] = [];
      const verdicts = await Promise.all(
        Array.from({ length: 7 }, (_, i) =>
          p.check(plain(`q${i}`, 'clean'), inbound()).then((v) => {
            answered.push(v.reasons[0]!.description);
            return v;
          }),
        ),
      );
      expect(verdicts.every((v) => v.action === 'tempfail' && v.reply?.enhanced === '4.7.0')).toBe(true);
      const QUEUE_FULL = 'not scanned: scan queue full (small messages)';
      expect(answered.filter((description) => description === QUEUE_FULL)).toHaveLength(2);
      expect(answered.slice(0, 2)).toEqual([QUEUE_FULL, QUEUE_FULL]);
      // The timed-out scan still holds its slot: clamd was never asked to run two at once.
      expect(connections).toHaveLength(1);
    } finally {
      for (const socket of connections) socket.destroy();
      silent.close();
    }
  });

  it('scans one message after another on one clamd session, and opens a new one once clamd has closed it', async () => {
    // A loopback relay in front of the real clamd, counting the connections made to it.
    const relayed: net.Socket[] = [];
    const relay = net.createServer((client) => {
      const upstream = net.createConnection({ host: '127.0.0.1', port: clamd.port });
      relayed.push(client);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    try {
      const port = (relay.address() as net.AddressInfo).port;
      const p = pipeline({ host: '127.0.0.1', port });
      for (const n of [1, 2, 3]) expect((await p.check(plain(`s${n}`, 'clean'), inbound())).addHeaders).toContainEqual(['X-Virus-Status', 'Clean']);
      expect((await p.check(plain('eicar', EICAR), inbound())).reply).toEqual(INFECTED);
      expect(relayed).toHaveLength(1);
      // clamd ending an idle session (its IdleTimeout): the next message is scanned on a new one.
      relayed[0]!.destroy();
      expect((await p.check(plain('s4', 'clean'), inbound())).addHeaders).toContainEqual(['X-Virus-Status', 'Clean']);
      expect(relayed).toHaveLength(2);
    } finally {
      for (const socket of relayed) socket.destroy();
      relay.close();
    }
  });

  it('tempfails when clamd answers garbage', async () => {
    const liar = net.createServer((socket) => socket.once('data', () => socket.end('banana\0')));
    await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', resolve));
    try {
      const port = (liar.address() as net.AddressInfo).port;
      const verdict = await pipeline({ host: '127.0.0.1', port }).check(plain('e', 'clean'), inbound());
      expect(verdict.reply).toEqual(UNAVAILABLE);
    } finally {
      liar.close();
    }
  });
});
