import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { closeSync, openSync, readSync } from 'node:fs';
import { clamdTarget, scanInstreamFile, type ClamdAnswer, type ClamdTarget } from './clamd.js';
import { ClamdSessions, type ClamdScan } from './clamd-sessions.js';
import { refuseVerdict, scoreVerdict, type FilterOutcome, type RawFilter } from './filter.js';
import { ScanSlots, type ReleaseSlot, type ScanLane } from './scan-slots.js';
import type { ScannedBytes } from './verdict.js';

/**
 * Virus scanning by clamd (INSTREAM, clamd.ts) over the unix socket or TCP from `[clamav]`, on
 * sessions kept open between messages (clamd-sessions.ts). The message goes to clamd from memory,
 * or, spooled (src/limits), from its file a chunk at a time on a connection of its own.
 *
 * clamd down, connection refused or reset, an answer that is neither "OK" nor "… FOUND" (e.g.
 * "INSTREAM size limit exceeded. ERROR") is "unavailable": with on_unavailable = "tempfail" the
 * sender is told 451 and retries later (RFC 5321 §4.2.5: 4yz is a transient failure); with
 * "accept" the message is delivered marked `X-Virus-Status: Unchecked` and a warning is logged.
 *
 * One message that clamd cannot finish within `[clamav] timeout` (waiting for a slot included),
 * or that finds the scan queue full, is tempfailed alone with 451 4.7.0 whatever on_unavailable
 * says: it is this message that is slow, not the scanner that is down, and a sender must not be
 * able to get mail delivered unscanned by making it slow. Its connection to clamd stays open (and
 * its slot taken, scan-slots.ts) until clamd answers, at most ABANDON_FACTOR × timeout.
 */
export interface VirusFilter extends RawFilter {
  /** Ends the idle sessions to clamd. */
  close(): void;
}

export function createVirusFilter(clamav: Config['clamav'], logger: Logger): VirusFilter {
  const log = logger.child({ filter: 'virus' });
  const target = clamdTarget(clamav);
  const sessions = new ClamdSessions(target);
  const slots = new ScanSlots(clamav.max_concurrent_scans, clamav.max_queued_scans);

  const unavailable = (problem: string): FilterOutcome => {
    if (clamav.on_unavailable === 'accept') {
      log.warn({ problem }, 'clamd unavailable: message accepted unscanned (on_unavailable = "accept")');
      return {
        verdict: scoreVerdict([{ id: 'virus:unchecked', score: 0, description: `not scanned: ${problem}` }], [['X-Virus-Status', 'Unchecked']]),
      };
    }
    log.warn({ problem }, 'clamd unavailable: message tempfailed');
    return {
      verdict: refuseVerdict(
        'tempfail',
        { id: 'virus:unavailable', score: 0, description: `virus scanner unavailable: ${problem}` },
        { code: 451, enhanced: '4.3.0', text: 'Virus scanner unavailable, try again later' },
      ),
    };
  };

  /** RFC 3463 §3.8: 4.7.0, a transient security-related refusal of this one message. */
  const notScanned = (raw: ScannedBytes, problem: string): FilterOutcome => {
    log.warn({ messageId: messageIdOf(raw), size: sizeOf(raw), problem, ...slots.load }, 'message not scanned in time: tempfailed');
    return {
      verdict: refuseVerdict(
        'tempfail',
        { id: 'virus:not-scanned', score: 0, description: `not scanned: ${problem}` },
        { code: 451, enhanced: '4.7.0', text: 'Message could not be virus-scanned in time, try again later' },
      ),
    };
  };

  const judge = (answer: ClamdAnswer): FilterOutcome => {
    if (answer.kind === 'infected') {
      log.info({ signature: answer.signature }, 'virus found');
      return {
        verdict: refuseVerdict(
          'reject',
          { id: 'virus', score: 0, description: `virus found: ${answer.signature}` },
          { code: 554, enhanced: '5.7.1', text: `Message contains a virus (${answer.signature})` },
        ),
      };
    }
    if (answer.kind === 'clean') return { verdict: scoreVerdict([], [['X-Virus-Status', 'Clean']]) };
    return unavailable(`unexpected answer ${JSON.stringify(answer.answer.slice(0, 80))}`);
  };

  return {
    name: 'virus',
    async check(raw) {
      const lane: ScanLane = sizeOf(raw) <= SMALL_MESSAGE ? 'small' : 'large';
      const request = slots.request(lane);
      if (!request) return notScanned(raw, `scan queue full (${lane} messages)`);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), clamav.timeout);
      });
      try {
        const release = await Promise.race([request.granted, deadline]);
        if (release === 'timeout') {
          request.cancel();
          return notScanned(raw, `no scan slot within ${clamav.timeout} ms`);
        }
        const answer = await Promise.race([scanHoldingSlot(sessions, target, raw, release, ABANDON_FACTOR * clamav.timeout), deadline]);
        if (answer === 'timeout') return notScanned(raw, `no answer from clamd within ${clamav.timeout} ms`);
        return judge(answer);
      } catch (err) {
        return unavailable(describe(err));
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => sessions.close(),
  };
}

/**
 * Up to this size a message takes the small lane. clamd's MIME parser is quadratic in the length
 * of a folded part header (ClamAV 1.4 here: 16,000 folded RFC 2231 parameters, 450 KB, 2 s; 24,000,
 * 1.4 MB, 5.5 s), so 128 KB costs at most about 0.2 s by the same measure.
 */
const SMALL_MESSAGE = 128 * 1024;
/** A scan clamd has not answered after this many timeouts is abandoned: connection closed, slot freed. */
const ABANDON_FACTOR = 4;

/**
 * Starts the scan. The slot is clamd's thread: `release` runs only when clamd has answered or hung
 * up, or after `abandonAfterMs`, when the connection is closed.
 */
function scanHoldingSlot(sessions: ClamdSessions, target: ClamdTarget, raw: ScannedBytes, release: ReleaseSlot, abandonAfterMs: number): Promise<ClamdAnswer> {
  let scan: ClamdScan;
  try {
    scan = Buffer.isBuffer(raw) ? sessions.scan(raw) : scanInstreamFile(target, raw.file);
  } catch (err) {
    release();
    return Promise.reject(err);
  }
  const abandon = setTimeout(() => scan.abort(), abandonAfterMs);
  scan.answer
    .catch(() => undefined)
    .finally(() => {
      clearTimeout(abandon);
      release();
    });
  return scan.answer;
}

function sizeOf(raw: ScannedBytes): number {
  return Buffer.isBuffer(raw) ? raw.length : raw.size;
}

/** Where a Message-ID is looked for: the first octets of the header block. */
const HEAD_OCTETS = 64 * 1024;

/** Message-ID from the header block, to name the message in the log (the SMTP log has the session). */
function messageIdOf(raw: ScannedBytes): string | undefined {
  const head = headOf(raw).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const match = /^Message-ID:[ \t]*(<[^>\r\n]{1,250}>)/im.exec(end >= 0 ? head.slice(0, end) : head);
  return match?.[1];
}

/** The first HEAD_OCTETS of the message; of a spooled one, read from its file (only for this log line). */
function headOf(raw: ScannedBytes): Buffer {
  if (Buffer.isBuffer(raw)) return raw.subarray(0, HEAD_OCTETS);
  const head = Buffer.alloc(Math.min(HEAD_OCTETS, raw.size));
  try {
    const fd = openSync(raw.file, 'r');
    try {
      return head.subarray(0, readSync(fd, head, 0, head.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    // The file is gone (the message already ended): the log line goes without its Message-ID.
    return Buffer.alloc(0);
  }
}

function describe(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const text = err instanceof Error ? err.message : String(err);
  return (code ? `${code}: ` : '') + text.split('\n')[0]!.slice(0, 200);
}
