/**
 * Messages per hour per official (`smtp.user_messages_per_hour`): a sliding window of send times
 * kept in memory. A restart forgets it, which errs on the side of letting an official send.
 */
export class HourlyRateLimit {
  private readonly sent = new Map<string, number[]>();
  /** Officials refused since their window last had room: a violation is recorded once per episode. */
  private readonly refused = new Set<string>();

  constructor(private readonly perHour: number) {}

  /** Would one more message now stay within the limit? */
  allows(key: string, now: number): boolean {
    const allowed = this.recent(key, now).length < this.perHour;
    if (allowed) this.refused.delete(key);
    return allowed;
  }

  /** True the first time an official is refused in an episode of being over the limit. */
  firstRefusal(key: string): boolean {
    if (this.refused.has(key)) return false;
    this.refused.add(key);
    return true;
  }

  record(key: string, now: number): void {
    const times = this.recent(key, now);
    times.push(now);
    this.sent.set(key, times);
  }

  private recent(key: string, now: number): number[] {
    const times = (this.sent.get(key) ?? []).filter((t) => t > now - 3_600_000);
    if (times.length === 0) this.sent.delete(key);
    return times;
  }
}
