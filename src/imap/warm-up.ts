/**
 * The start-up FETCH warm-up: once the listeners are up and the encodings are preloaded, the
 * server runs a client's sync through one IMAP session of its own, so that the first official to
 * sync after a restart does not pay for V8 compiling the command loop, the FETCH writer and the
 * socket path, and for the young generation growing to its working size (docs/architecture.md
 * "IMAP", the first sync after a restart: a discarding Writable without a session did not help,
 * FETCHes through a session on a socket did).
 *
 * - The very code clients run: a Session (session.ts) on the server end of a loopback TCP
 *   connection, with the reader, the command table's handlers and the ResponseWriter over a
 *   net.Socket; the client end is ours, sends a fixed script and discards what comes back.
 * - No password, no login: the session is made authenticated as the owner of the largest mailbox
 *   (store.largestMailbox), by the server itself. It is never registered with the hub, so it counts
 *   in no connection or login limit, metric, throttle or audit row, gets no store or directory
 *   events, and logs nothing above debug. Its command table holds EXAMINE, UID FETCH and LOGOUT only.
 * - Changes nothing: EXAMINE opens the mailbox read-only (RFC 3501 §6.3.2: no \Recent taken), so
 *   FETCH sets no \Seen (respond.ts markSeen) and no MODSEQ moves; the FETCH items are the ones a
 *   sync asks for, bodies only by BODY.PEEK. An encoding not yet in memory is kept, as any FETCH
 *   keeps it (fetch/meta-cache.ts).
 * - Only our own connection: the loopback listener it uses is private (port 0), takes the one
 *   connection whose source port is our client's, and closes at once.
 * - Bounded: the newest WARM_MESSAGES messages, ROUNDS times, at most TIME_LIMIT_MS; the FETCH
 *   yields the event loop between batches as any FETCH does. stop() (shutdown) ends it at once by
 *   closing the client end, as a departed client ends its FETCH.
 */
import net from 'node:net';
import { once } from 'node:events';
import type { AppContext } from '../context.js';
import type { Identity } from '../directory/index.js';
import type { MailboxInfo, Uid } from '../store/index.js';
import type { CommandSpec } from './command-spec.js';
import { encodeMutf7 } from './mutf7.js';
import { astring, encodeValue } from './responses.js';
import { sessionContext } from './seen-view.js';
import { Session, type SessionHost } from './session.js';

/** Messages per round: a first full sync after FETCHes of some 4,000 others is near a warm one (bench/imap.ts). */
const WARM_MESSAGES = 2000;
/** Messages per round for the header-fields FETCH, which reads each message's header block from its blob. */
const HEADER_MESSAGES = 200;
const ROUNDS = 2;
const TIME_LIMIT_MS = 30_000;
/** The whole command table of the warm-up session: a read-only look, and the way out. */
const WARM_UP_COMMANDS = ['EXAMINE', 'UID FETCH', 'LOGOUT'];
/** What a client's sync asks for (Thunderbird, Apple Mail, imapflow). */
const SYNC_ITEMS = '(UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE)';
/** Thunderbird's header download for a new message list (BODY.PEEK: no \Seen, RFC 3501 §6.4.5). */
const HEADER_ITEMS = '(UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Subject Date Message-ID References In-Reply-To Content-Type)])';

/** A tagged OK of the script (tags w1, w2, …), and enough of a chunk's end to find one split across chunks. */
const TAGGED_OK = /\r\nw\d+ OK /g;
const CARRY = 16;

export interface WarmUpRun {
  readonly messages: number;
  readonly rounds: number;
  /** Tagged OKs of the script, EXAMINE and LOGOUT included. */
  readonly completed: number;
  readonly commands: number;
}

export interface FetchWarmUp {
  /** What ran; null when no mailbox holds a message, or it was stopped before it began. */
  readonly done: Promise<WarmUpRun | null>;
  /** Ends the warm-up at once (shutdown). */
  stop(): void;
}

export function warmUpFetchPath(ctx: AppContext, host: Pick<SessionHost, 'commands' | 'searches'>): FetchWarmUp {
  let stopped = false;
  let client: net.Socket | null = null;
  const stop = () => {
    stopped = true;
    client?.destroy();
  };
  const done = (async (): Promise<WarmUpRun | null> => {
    const mailbox = await ctx.store.largestMailbox();
    if (mailbox === null || stopped) return null;
    const uids = (await ctx.store.listMessages(mailbox.id)).map((row) => row.uid);
    if (uids.length === 0) return null;
    const script = warmUpScript(mailbox, uids);
    const pair = await loopbackPair();
    client = pair.client;
    if (stopped) {
      pair.client.destroy();
      pair.server.destroy();
      return null;
    }
    const limit = setTimeout(stop, TIME_LIMIT_MS).unref();
    try {
      const completed = countTaggedOks(pair.client);
      const ended = once(pair.client, 'close');
      const session = warmUpSession(ctx, host, pair.server, mailbox);
      session.run().catch((err: unknown) => {
        session.log.debug({ err }, 'FETCH warm-up session failed');
        session.close();
      });
      pair.client.write(script.text);
      await ended;
      return { messages: Math.min(uids.length, WARM_MESSAGES), rounds: ROUNDS, completed: completed(), commands: script.commands };
    } finally {
      clearTimeout(limit);
    }
  })();
  return { done, stop };
}

/**
 * EXAMINE, ROUNDS × (the sync FETCH, the header FETCH) over the newest messages, LOGOUT; pipelined
 * (one command at a time all the same, invariant 1). UID FETCH, as clients sync: the UID variant
 * takes its own branches (RFC 3501 §6.4.8), which a FETCH would leave cold.
 */
function warmUpScript(mailbox: MailboxInfo, uids: readonly Uid[]): { readonly text: string; readonly commands: number } {
  const name = encodeValue(astring(encodeMutf7(mailbox.name))).toString('latin1');
  const newest = (count: number) => `${uids[Math.max(0, uids.length - count)]}:*`;
  const lines = [`EXAMINE ${name}`];
  for (let round = 0; round < ROUNDS; round++) {
    lines.push(`UID FETCH ${newest(WARM_MESSAGES)} ${SYNC_ITEMS}`);
    lines.push(`UID FETCH ${newest(HEADER_MESSAGES)} ${HEADER_ITEMS}`);
  }
  lines.push('LOGOUT');
  return { text: lines.map((line, i) => `w${i + 1} ${line}\r\n`).join(''), commands: lines.length };
}

/** A session already authenticated as the mailbox's owner, with the warm-up's command table, known to nobody. */
function warmUpSession(ctx: AppContext, host: Pick<SessionHost, 'commands' | 'searches'>, socket: net.Socket, mailbox: MailboxInfo): Session {
  const commands = new Map<string, CommandSpec<Session>>();
  for (const name of WARM_UP_COMMANDS) commands.set(name, host.commands.get(name)!);
  const warmUpHost: SessionHost = {
    get secureContext() {
      return ctx.tls.secureContext;
    },
    commands,
    searches: host.searches,
    registerLogin: () => true,
    unregisterLogin: () => undefined,
    unregister: () => undefined,
  };
  const identity: Identity = { person: mailbox.account, account: mailbox.account, displayName: 'FETCH warm-up', rights: 'lr' };
  let session: Session | null = null;
  session = new Session(sessionContext(ctx, () => session?.identity ?? null), socket, `imap-${process.pid}-warm-up`, false, warmUpHost);
  session.authenticated(identity);
  return session;
}

/** Reads and discards the responses; returns a counter of tagged OKs for the debug log and tests. */
function countTaggedOks(socket: net.Socket): () => number {
  let completed = 0;
  let carry = '';
  socket.on('data', (chunk: Buffer) => {
    const text = carry + chunk.toString('latin1');
    // A tagged line split across chunks is found with the next one; one already counted lies within the carry.
    for (const match of text.matchAll(TAGGED_OK)) if (match.index + match[0].length > carry.length) completed++;
    carry = text.slice(-CARRY);
  });
  socket.on('error', () => undefined);
  return () => completed;
}

/** The two ends of a loopback TCP connection, through a private listener that accepts only ours. */
async function loopbackPair(): Promise<{ readonly server: net.Socket; readonly client: net.Socket }> {
  const listener = net.createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  try {
    const client = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
    const connected = once(client, 'connect');
    const server = await new Promise<net.Socket>((resolve, reject) => {
      connected.catch(reject);
      listener.on('connection', (socket: net.Socket) => {
        void connected.then(() => {
          // Another local process that found the port in this instant gets nothing.
          if (socket.remoteAddress === '127.0.0.1' && socket.remotePort === client.localPort) resolve(socket);
          else socket.destroy();
        }, () => socket.destroy());
      });
    });
    return { server, client };
  } finally {
    listener.close();
  }
}
