/**
 * DNS answers kept for their lifetime, as a caching resolver keeps them (RFC 1035 §7.4), in a
 * bounded least-recently-used table (`[dns] cache_size` entries; 0: nothing kept).
 *
 * A question already being asked is not asked twice: the second caller joins the first one's
 * promise. That is what lets the SMTP side start a lookup early (PTR at connect, SPF at MAIL
 * FROM) and have mailauth's later identical query wait for the same answer instead of a new one.
 */
export interface CachedOutcome<T> {
  readonly value: T;
  /** How long this outcome may be reused, in ms; 0: not at all (only while in flight). */
  readonly ttlMs: number;
}

export class AnswerCache<T> {
  private readonly settled = new Map<string, { readonly value: T; readonly expires: number }>();
  private readonly inFlight = new Map<string, Promise<T>>();

  constructor(private readonly maxEntries: number) {}

  /** The cached value for `key`, or `ask()`'s, shared with every concurrent caller. */
  get(key: string, ask: () => Promise<CachedOutcome<T>>, now = Date.now()): Promise<T> {
    const hit = this.settled.get(key);
    if (hit) {
      this.settled.delete(key);
      if (hit.expires > now) {
        this.settled.set(key, hit);
        return Promise.resolve(hit.value);
      }
    }
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const asked = ask().then(
      (outcome) => {
        this.inFlight.delete(key);
        this.remember(key, outcome);
        return outcome.value;
      },
      (error: unknown) => {
        this.inFlight.delete(key);
        throw error;
      },
    );
    this.inFlight.set(key, asked);
    return asked;
  }

  private remember(key: string, outcome: CachedOutcome<T>): void {
    if (outcome.ttlMs <= 0 || this.maxEntries === 0) return;
    this.settled.set(key, { value: outcome.value, expires: Date.now() + outcome.ttlMs });
    // Map iteration order is insertion order, and every hit re-inserts: the first key is the least recently used.
    while (this.settled.size > this.maxEntries) this.settled.delete(this.settled.keys().next().value!);
  }
}
