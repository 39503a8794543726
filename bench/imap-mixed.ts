/**
 * The IMAP bench's mixed load (figure c): `clients` connections of one account, each looping for
 * `seconds` over what a mail client does in a busy INBOX of `messages` messages (UIDs 1..messages):
 *
 *   SELECT INBOX
 *   UID FETCH <20 consecutive UIDs> (UID FLAGS ENVELOPE)       a page of the message list
 *   UID FETCH <uid> (BODY.PEEK[])                               opening a message
 *   UID STORE <uid> +FLAGS/-FLAGS (\Flagged)                    marking it (alternately)
 *   UID SEARCH FROM "<sender>"                                  a search over a header
 *   APPEND INBOX {n}                                            a sent-mail copy or draft
 *   UID STORE <new uid> +FLAGS.SILENT (\Deleted), UID EXPUNGE <new uid>   and it goes again
 *
 * so the mailbox keeps its size. Every command is timed from its write to its tagged OK; the
 * result is commands per second over all clients and the latency percentiles. The clients are
 * bench/imap-connection.ts (no TCP_NODELAY, synchronising literals). Nothing asserts a timing.
 */
import { ImapConnection } from './imap-connection.js';
import { latencyMessage, percentile } from './single-op.js';

export interface MixedLoadTarget {
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

export interface MixedLoadResult {
  readonly commands: number;
  readonly commandsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The same per kind of command (SELECT, FETCH page, FETCH body, STORE, SEARCH, APPEND, EXPUNGE). */
  readonly byKind: Readonly<Record<string, { readonly count: number; readonly p50Ms: number; readonly p99Ms: number }>>;
}

/** A small deterministic generator, so that both servers get the same sequence of UIDs. */
function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

export async function mixedLoad(target: MixedLoadTarget, options: { clients: number; seconds: number; messages: number; senders: number }): Promise<MixedLoadResult> {
  const latencies = new Map<string, number[]>();
  const deadline = performance.now() + options.seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.clients }, async (_, client) => {
      const random = sequence(client + 1);
      const uid = () => 1 + Math.floor(random() * options.messages);
      const connection = await ImapConnection.open(target.port);
      await connection.login(target.user, target.password);
      let tag = 0;
      const timed = async (kind: string, send: () => Promise<string>): Promise<string> => {
        const begin = performance.now();
        const line = await send();
        const times = latencies.get(kind) ?? [];
        times.push(performance.now() - begin);
        latencies.set(kind, times);
        return line;
      };
      const command = (kind: string, text: string) => timed(kind, () => connection.command(`C${tag++}`, text));
      try {
        for (let round = 0; performance.now() < deadline; round++) {
          await command('SELECT', 'SELECT INBOX');
          const first = uid();
          await command('FETCH page', `UID FETCH ${first}:${first + 19} (UID FLAGS ENVELOPE)`);
          const opened = uid();
          await command('FETCH body', `UID FETCH ${opened} (BODY.PEEK[])`);
          await command('STORE', `UID STORE ${opened} ${round % 2 === 0 ? '+' : '-'}FLAGS.SILENT (\\Flagged)`);
          await command('SEARCH', `UID SEARCH FROM "daott${Math.floor(random() * options.senders)}@"`);
          const appended = await timed('APPEND', () => connection.append(`C${tag++}`, 'INBOX', latencyMessage(round)));
          const newUid = /\[APPENDUID \d+ (\d+)\]/.exec(appended)?.[1];
          if (!newUid) throw new Error(`no APPENDUID in "${appended}"`);
          await command('STORE', `UID STORE ${newUid} +FLAGS.SILENT (\\Deleted)`);
          await command('EXPUNGE', `UID EXPUNGE ${newUid}`);
        }
      } finally {
        connection.close();
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const ascending = (times: readonly number[]) => [...times].sort((a, b) => a - b);
  const all = ascending([...latencies.values()].flat());
  const byKind = Object.fromEntries(
    [...latencies].map(([kind, times]) => {
      const sorted = ascending(times);
      return [kind, { count: sorted.length, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) }];
    }),
  );
  return { commands: all.length, commandsPerSecond: all.length / elapsed, p50Ms: percentile(all, 0.5), p99Ms: percentile(all, 0.99), byKind };
}
