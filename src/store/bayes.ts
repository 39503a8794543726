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

export type LearnOutcome = 'learnt' | 'already-learnt' | 'relearnt';

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
   */
  learn(digest: string, kind: BayesClass, tokens: readonly string[], fingerprint?: readonly number[] | null): LearnOutcome;
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
];

export function openBayesStore(db: Db): BayesStore {
  migrate(db, 'bayes', migrations);
  const totals = db.prepare<[], { kind: BayesClass; n: number }>('SELECT kind, count(*) AS n FROM bayes_messages GROUP BY kind');
  // One statement for any number of tokens: the list travels as a JSON array.
  const lookup = db.prepare<[string], { token: string; spam: number; ham: number }>(
    'SELECT token, spam, ham FROM bayes_tokens WHERE token IN (SELECT value FROM json_each(?))',
  );
  const learntAs = db.prepare<[string], BayesClass>('SELECT kind FROM bayes_messages WHERE digest = ?').pluck();
  const addToken = db.prepare<[string, number, number]>(
    'INSERT INTO bayes_tokens (token, spam, ham) VALUES (?, ?, ?) ON CONFLICT (token) DO UPDATE SET spam = spam + excluded.spam, ham = ham + excluded.ham',
  );
  // max(…, 0): a token list that drifted (tokenizer changed since learning) never goes negative.
  const removeToken = db.prepare<[number, number, string]>('UPDATE bayes_tokens SET spam = max(spam - ?, 0), ham = max(ham - ?, 0) WHERE token = ?');
  const dropEmpty = db.prepare<[string]>('DELETE FROM bayes_tokens WHERE token = ? AND spam = 0 AND ham = 0');
  const setMessage = db.prepare<[string, BayesClass]>('INSERT INTO bayes_messages (digest, kind) VALUES (?, ?) ON CONFLICT (digest) DO UPDATE SET kind = excluded.kind');
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

  const learn = db.transaction((digest: string, kind: BayesClass, tokens: readonly string[], fingerprint: readonly number[] | null): LearnOutcome => {
    const previous = learntAs.get(digest);
    if (previous === kind) return 'already-learnt';
    const set = unique(tokens);
    if (previous !== undefined) remove(previous, set);
    add(kind, set);
    setMessage.run(digest, kind);
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
      for (const row of lookup.all(JSON.stringify(tokens))) counts.set(row.token, { spam: row.spam, ham: row.ham });
      return counts;
    },
    learn: (digest, kind, tokens, fingerprint) => learn.immediate(digest, kind, tokens, fingerprint ?? null),
    nearest(fingerprint) {
      const result = { spam: 0, ham: 0 };
      for (const row of nearest.all(JSON.stringify(fingerprint))) result[row.kind] = row.shared;
      return result;
    },
    forget: (digest, tokens) => forget.immediate(digest, tokens),
    learntAs: (digest) => learntAs.get(digest) ?? null,
  };
}
