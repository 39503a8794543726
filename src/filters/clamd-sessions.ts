import type net from 'node:net';
import { connectClamd, parseAnswer, writeInstream, type ClamdAnswer, type ClamdTarget } from './clamd.js';

/**
 * Connections to clamd kept open between scans, as clamd(8) "IDSESSION" allows: within a session
 * every command is z-prefixed and each reply is `<id>: <reply>\0`, ids counting from 1; "END"
 * closes it. A new connection per message cost a connect, an accept and a close on both sides, a
 * visible share of the event loop in the served SMTP bench.
 *
 * Invariants:
 * - a session carries one scan at a time (clamd(8): read every reply before sending more), so
 *   there are never more sessions than scans at clamd (the scan slots, scan-slots.ts), and the
 *   concurrency limit and the per-message timeout stay the caller's (virus.ts);
 * - only a session whose scan ended in a clean or infected answer is reused; one that failed,
 *   said anything else or was abandoned is closed; one that clamd closed while idle (its
 *   IdleTimeout) is dropped;
 * - a scan on a reused session that fails before clamd said anything (clamd closing it as we
 *   wrote) is retried once on a new session; any other failure is the caller's to judge;
 * - idle sessions do not keep the process alive; close() ends them with END.
 */
const SESSION_START = Buffer.from('zIDSESSION\0', 'latin1');
const SESSION_END = Buffer.from('zEND\0', 'latin1');
/** clamd(8): "<id>: " in front of each reply within a session. */
const REPLY_ID = /^\d+: /;

/** One scan under way. */
export interface ClamdScan {
  readonly answer: Promise<ClamdAnswer>;
  /** Closes the scan's connection (an abandoned scan): clamd's thread is then released by clamd. */
  abort(): void;
}

/** The sessions to one clamd (see the invariants above). */
export class ClamdSessions {
  private readonly idle = new Set<ClamdSession>();

  constructor(private readonly target: ClamdTarget) {}

  /** Rejects with the connection's error (clamd down, connection reset); never times out by itself. */
  scan(data: Buffer): ClamdScan {
    let current: ClamdSession | null = null;
    let aborted = false;
    const attempt = (session: ClamdSession): Promise<ClamdAnswer> => {
      current = session;
      const reused = session.scans > 0;
      return session.scan(data).then(
        (answer) => {
          if (!aborted && answer.kind !== 'unexpected') this.keep(session);
          else session.close();
          return answer;
        },
        (error: unknown) => {
          session.close();
          if (reused && !session.heard && !aborted) return attempt(new ClamdSession(this.target, this.idle));
          throw error;
        },
      );
    };
    const first = this.takeIdle() ?? new ClamdSession(this.target, this.idle);
    return {
      answer: attempt(first),
      abort: () => {
        aborted = true;
        current?.close();
      },
    };
  }

  /** Ends the idle sessions (server shutdown); scans under way end on their own. */
  close(): void {
    for (const session of this.idle) session.end();
    this.idle.clear();
  }

  private takeIdle(): ClamdSession | null {
    for (const session of this.idle) {
      this.idle.delete(session);
      if (!session.closed) return session;
    }
    return null;
  }

  private keep(session: ClamdSession): void {
    if (session.closed) return;
    session.rest();
    this.idle.add(session);
  }
}

/** One connection to clamd in session mode. */
class ClamdSession {
  private readonly socket: net.Socket;
  private received: Buffer = Buffer.alloc(0);
  private pending: { resolve: (answer: ClamdAnswer) => void; reject: (error: Error) => void } | null = null;
  private failure: Error | null = null;
  scans = 0;
  /** Whether clamd sent anything since the current scan began. */
  heard = false;
  closed = false;

  constructor(target: ClamdTarget, idle: Set<ClamdSession>) {
    this.socket = connectClamd(target);
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.on('error', (error) => {
      this.failure = error;
      // clamd may answer and close before it has read everything (`size limit exceeded`): then
      // our write fails, and its answer is what counts.
      if (this.received.length > 0) this.answer(this.received.toString('utf8'));
    });
    this.socket.on('close', () => {
      this.closed = true;
      idle.delete(this);
      if (this.received.length > 0) this.answer(this.received.toString('utf8'));
      const pending = this.pending;
      this.pending = null;
      pending?.reject(this.failure ?? new Error('clamd closed the connection'));
    });
  }

  scan(data: Buffer): Promise<ClamdAnswer> {
    const first = this.scans++ === 0;
    this.heard = false;
    this.socket.ref();
    return new Promise<ClamdAnswer>((resolve, reject) => {
      if (this.closed) {
        reject(this.failure ?? new Error('clamd closed the connection'));
        return;
      }
      this.pending = { resolve, reject };
      this.socket.cork();
      if (first) this.socket.write(SESSION_START);
      writeInstream(this.socket, data);
      this.socket.uncork();
    });
  }

  /** Idle between scans: the session does not keep the process alive. */
  rest(): void {
    this.socket.unref();
  }

  end(): void {
    this.socket.end(SESSION_END);
  }

  close(): void {
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    this.heard = true;
    this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
    const end = this.received.indexOf(0);
    if (end === -1) return;
    const reply = this.received.subarray(0, end).toString('utf8');
    this.received = this.received.subarray(end + 1);
    this.answer(reply);
  }

  private answer(reply: string): void {
    const pending = this.pending;
    this.pending = null;
    this.received = Buffer.alloc(0);
    // Anything clamd says outside a scan (an idle session) means the session is not in a state we know.
    if (!pending) {
      this.close();
      return;
    }
    pending.resolve(parseAnswer(reply.replace(REPLY_ID, '')));
  }
}
