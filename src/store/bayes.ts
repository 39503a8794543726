import { migrate, type Db, type Migration } from './database.js';

/**
 * Token statistics for the Bayes spam filter (src/filters/bayes). Counts are "messages of this
 * class containing the token" (each token once per message), and every learnt message is
 * remembered by digest, so training the same message twice is a no-op and moving it from Junk
 * back to the inbox moves its counts from spam to ham instead of counting it twice.
 */

export type BayesClass = 'spam' | 'ham';

export interface BayesTokenCounts {
  readonly spam: number;
  readonly ham: number;
}

/**
 * 'decided-by-other': a user's verdict on a message an admin or another user already classified
 * is not taken; 'user-share-used': the user has learnt their share of that class (UserLearning).
 */
export type LearnOutcome = 'learnt' | 'already-learnt' | 'relearnt' | 'decided-by-other' | 'user-share-used';

/**
 * Who classified a message when it was a user (moving mail into or out of Junk), and how much of
 * the filter one user may shape: at most `share` of the learnt messages of a class, or `floor`
 * messages while the totals are small (docs/architecture.md "Spam filtering"). An admin's
 * training (`spam train`) passes none and is not limited.
 */
export interface UserLearning {
  readonly user: string;
  readonly share: number;
  readonly floor: number;
}

/** How close a message's fingerprint came to learnt messages of each class: the most bands one learnt message shares. */
export interface NearestLearnt {
  readonly spam: number;
  readonly ham: number;
}

export interface BayesStore {
  /** How many messages of each class have been learnt. */
  totals(): BayesTokenCounts;
  /** Counts of the given tokens; tokens never seen are absent from the map. */
  tokenCounts(tokens: readonly string[]): Map<string, BayesTokenCounts>;
  /**
   * Adds a message's tokens to a class; a message learnt as the other class is moved over.
   * `fingerprint`: its body's band values (src/filters/bayes/fingerprint.ts), kept for nearest().
   * `by`: the user whose action this is, with their limits; absent for an admin's training.
   */
  learn(digest: string, kind: BayesClass, tokens: readonly string[], fingerprint?: readonly number[] | null, by?: UserLearning | null): LearnOutcome;
  /** For each class, the most fingerprint bands (same position, same value) one learnt message shares with `fingerprint`. */
  nearest(fingerprint: readonly number[]): NearestLearnt;
  /** Removes a learnt message's tokens; false when that message was never learnt. */
  forget(digest: string, tokens: readonly string[]): boolean;
  /** The class a message was learnt as, or null. */
  learntAs(digest: string): BayesClass | null;
}

const migrations: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE bayes_tokens (
        token TEXT PRIMARY KEY,
        spam INTEGER NOT NULL DEFAULT 0 CHECK (spam >= 0),
        ham INTEGER NOT NULL DEFAULT 0 CHECK (ham >= 0)
      ) WITHOUT ROWID;
      CREATE TABLE bayes_messages (
        digest TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('spam', 'ham')),
        learnt_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
      ) WITHOUT ROWID;
      CREATE INDEX bayes_messages_kind ON bayes_messages (kind);
    `,
  },
  {
    version: 2,
    sql: `
      CREATE TABLE bayes_fingerprints (
        band INTEGER NOT NULL,
        value INTEGER NOT NULL,
        digest TEXT NOT NULL REFERENCES bayes_messages (digest) ON DELETE CASCADE,
        PRIMARY KEY (band, value, digest)
      ) WITHOUT ROWID;
      CREATE INDEX bayes_fingerprints_digest ON bayes_fingerprints (digest);
    `,
  },
  {
    version: 3,
    // NULL: learnt by an admin (`spam train`), or before users' learning was attributed.
    sql: `
      ALTER TABLE bayes_messages ADD COLUMN learnt_by TEXT;
      CREATE INDEX bayes_messages_learnt_by ON bayes_messages (learnt_by, kind) WHERE learnt_by IS NOT NULL;
    `,
  },
  {
    version: 4,
    // The learnt messages per class, kept by triggers, so any writer (the server, \`spam train\`
    // from the CLI) keeps them true: the Bayes filter reads them for every inbound message, on the
    // event loop, and counting the rows took 0.3 ms per message with 3,000 learnt, 8 ms with 30,000.
    sql: `
      CREATE TABLE bayes_class_totals (
        kind TEXT PRIMARY KEY CHECK (kind IN ('spam', 'ham')),
        n INTEGER NOT NULL CHECK (n >= 0)
      ) WITHOUT ROWID;
      INSERT INTO bayes_class_totals (kind, n)
        SELECT kind, (SELECT count(*) FROM bayes_messages m WHERE m.kind = k.kind) FROM (SELECT 'spam' AS kind UNION ALL SELECT 'ham') k;
      CREATE TRIGGER bayes_class_totals_learnt AFTER INSERT ON bayes_messages
        BEGIN UPDATE bayes_class_totals SET n = n + 1 WHERE kind = NEW.kind; END;
      CREATE TRIGGER bayes_class_totals_forgotten AFTER DELETE ON bayes_messages
        BEGIN UPDATE bayes_class_totals SET n = n - 1 WHERE kind = OLD.kind; END;
      CREATE TRIGGER bayes_class_totals_relearnt AFTER UPDATE OF kind ON bayes_messages WHEN OLD.kind <> NEW.kind
        BEGIN
          UPDATE bayes_class_totals SET n = n - 1 WHERE kind = OLD.kind;
          UPDATE bayes_class_totals SET n = n + 1 WHERE kind = NEW.kind;
        END;
    `,
  },
  {
    version: 5,
    // A number that moves whenever any token count does, whoever writes (the server, `spam train`
    // from the CLI, a plain UPDATE): the token-count cache of openBayesStore is good while it stays.
    sql: `
      CREATE TABLE bayes_generation (n INTEGER NOT NULL);
      INSERT INTO bayes_generation (n) VALUES (0);
      CREATE TRIGGER bayes_generation_added AFTER INSERT ON bayes_tokens BEGIN UPDATE bayes_generation SET n = n + 1; END;
      CREATE TRIGGER bayes_generation_changed AFTER UPDATE ON bayes_tokens BEGIN UPDATE bayes_generation SET n = n + 1; END;
      CREATE TRIGGER bayes_generation_dropped AFTER DELETE ON bayes_tokens BEGIN UPDATE bayes_generation SET n = n + 1; END;
    `,
  },
];

/**
 * Token counts (null: never seen) kept in memory between messages, at most this many: the Bayes
 * filter looks up every token of every inbound message on the event loop, and most tokens
 * (header shapes, common words) come back message after message. Cleared whenever
 * bayes_generation moves, then filled with the tokens first seen until full (the common ones
 * come early; nothing is evicted); about 100 bytes an entry.
 */
const MAX_CACHED_TOKENS = 100_000;

export function openBayesStore(db: Db): BayesStore {
  migrate(db, 'bayes', migrations);
  const totals = db.prepare<[], { kind: BayesClass; n: number }>('SELECT kind, n FROM bayes_class_totals');
  // One statement for any number of tokens: the list travels as a JSON array.
  const lookup = db.prepare<[string], { token: string; spam: number; ham: number }>(
    'SELECT token, spam, ham FROM bayes_tokens WHERE token IN (SELECT value FROM json_each(?))',
  );
  const generation = db.prepare<[], number>('SELECT n FROM bayes_generation').pluck();
  const cached = new Map<string, BayesTokenCounts | null>();
  let cachedGeneration = -1;
  const learntAs = db.prepare<[string], BayesClass>('SELECT kind FROM bayes_messages WHERE digest = ?').pluck();
  const learntRow = db.prepare<[string], { kind: BayesClass; learnt_by: string | null }>('SELECT kind, learnt_by FROM bayes_messages WHERE digest = ?');
  const classTotal = db.prepare<[BayesClass], number>('SELECT n FROM bayes_class_totals WHERE kind = ?').pluck();
  const userTotal = db.prepare<[string, BayesClass], number>('SELECT count(*) FROM bayes_messages WHERE learnt_by = ? AND kind = ?').pluck();
  const addToken = db.prepare<[string, number, number]>(
    'INSERT INTO bayes_tokens (token, spam, ham) VALUES (?, ?, ?) ON CONFLICT (token) DO UPDATE SET spam = spam + excluded.spam, ham = ham + excluded.ham',
  );
  // max(…, 0): a token list that drifted (tokenizer changed since learning) never goes negative.
  const removeToken = db.prepare<[number, number, string]>('UPDATE bayes_tokens SET spam = max(spam - ?, 0), ham = max(ham - ?, 0) WHERE token = ?');
  const dropEmpty = db.prepare<[string]>('DELETE FROM bayes_tokens WHERE token = ? AND spam = 0 AND ham = 0');
  const setMessage = db.prepare<[string, BayesClass, string | null]>(
    'INSERT INTO bayes_messages (digest, kind, learnt_by) VALUES (?, ?, ?) ON CONFLICT (digest) DO UPDATE SET kind = excluded.kind, learnt_by = excluded.learnt_by',
  );
  const deleteMessage = db.prepare<[string]>('DELETE FROM bayes_messages WHERE digest = ?');
  const addBand = db.prepare<[number, number, string]>('INSERT OR IGNORE INTO bayes_fingerprints (band, value, digest) VALUES (?, ?, ?)');
  // json_each over the array of band values: key is the band's position, value its value.
  const nearest = db.prepare<[string], { kind: BayesClass; shared: number }>(
    `SELECT m.kind AS kind, max(n.shared) AS shared FROM (
       SELECT f.digest, count(*) AS shared FROM json_each(?) j
       JOIN bayes_fingerprints f ON f.band = j.key AND f.value = j.value GROUP BY f.digest
     ) n JOIN bayes_messages m ON m.digest = n.digest GROUP BY m.kind`,
  );

  const unique = (tokens: readonly string[]) => [...new Set(tokens)];
  const add = (kind: BayesClass, tokens: readonly string[]) => {
    for (const token of tokens) addToken.run(token, kind === 'spam' ? 1 : 0, kind === 'ham' ? 1 : 0);
  };
  const remove = (kind: BayesClass, tokens: readonly string[]) => {
    for (const token of tokens) {
      removeToken.run(kind === 'spam' ? 1 : 0, kind === 'ham' ? 1 : 0, token);
      dropEmpty.run(token);
    }
  };

  /** Why a user's verdict is not taken, or null to take it (UserLearning). */
  const userRefusal = (by: UserLearning, kind: BayesClass, previousBy: string | null | undefined): LearnOutcome | null => {
    if (previousBy !== undefined && previousBy !== by.user) return 'decided-by-other';
    const allowed = Math.max(by.floor, Math.floor(by.share * classTotal.get(kind)!));
    return userTotal.get(by.user, kind)! >= allowed ? 'user-share-used' : null;
  };
  const learn = db.transaction((digest: string, kind: BayesClass, tokens: readonly string[], fingerprint: readonly number[] | null, by: UserLearning | null): LearnOutcome => {
    const row = learntRow.get(digest);
    const previous = row?.kind;
    if (previous === kind) return 'already-learnt';
    const refusal = by ? userRefusal(by, kind, row ? row.learnt_by : undefined) : null;
    if (refusal !== null) return refusal;
    const set = unique(tokens);
    if (previous !== undefined) remove(previous, set);
    add(kind, set);
    setMessage.run(digest, kind, by?.user ?? null);
    if (previous === undefined && fingerprint) fingerprint.forEach((value, band) => addBand.run(band, value, digest));
    return previous === undefined ? 'learnt' : 'relearnt';
  });
  const forget = db.transaction((digest: string, tokens: readonly string[]): boolean => {
    const previous = learntAs.get(digest);
    if (previous === undefined) return false;
    remove(previous, unique(tokens));
    deleteMessage.run(digest);
    return true;
  });

  return {
    totals() {
      const result = { spam: 0, ham: 0 };
      for (const row of totals.all()) result[row.kind] = row.n;
      return result;
    },
    tokenCounts(tokens) {
      const counts = new Map<string, BayesTokenCounts>();
      if (tokens.length === 0) return counts;
      const now = generation.get()!;
      if (now !== cachedGeneration) {
        cached.clear();
        cachedGeneration = now;
      }
      const missing: string[] = [];
      for (const token of tokens) {
        const known = cached.get(token);
        if (known === undefined) missing.push(token);
        else if (known !== null) counts.set(token, known);
      }
      if (missing.length === 0) return counts;
      for (const row of lookup.all(JSON.stringify(missing))) counts.set(row.token, { spam: row.spam, ham: row.ham });
      for (const token of missing) if (cached.size < MAX_CACHED_TOKENS) cached.set(token, counts.get(token) ?? null);
      return counts;
    },
    learn: (digest, kind, tokens, fingerprint, by) => learn.immediate(digest, kind, tokens, fingerprint ?? null, by ?? null),
    nearest(fingerprint) {
      const result = { spam: 0, ham: 0 };
      for (const row of nearest.all(JSON.stringify(fingerprint))) result[row.kind] = row.shared;
      return result;
    },
    forget: (digest, tokens) => forget.immediate(digest, tokens),
    learntAs: (digest) => learntAs.get(digest) ?? null,
  };
}
