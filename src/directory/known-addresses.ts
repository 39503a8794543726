/**
 * The client addresses each account logged in from recently, so that the account-wide response
 * to a distributed guess (throttle.ts) slows strangers and never the owner's office.
 *
 * In memory, not in the database: it only ever exempts an address from the account-wide delay,
 * and that delay's counters are in memory too, so after a restart there is nothing to be
 * exempted from until failures are counted again — and by then the owner's first login has
 * put the office back on the list. Persisting it would add a write to every login for no gain.
 * Bounded: a few addresses per account (an official's office, home, phone), oldest dropped
 * first; accounts least recently seen dropped first past `maxAccounts`.
 */

const ADDRESSES_PER_ACCOUNT = 8;
/** An address unused this long is a stranger again. */
const REMEMBER_MS = 30 * 86_400_000;

export class KnownAddresses {
  /** account → (address → last successful login), both maps in least-recently-used order. */
  private readonly byAccount = new Map<string, Map<string, number>>();

  constructor(
    private readonly now: () => number,
    private readonly maxAccounts = 100_000,
  ) {}

  has(account: string, ip: string): boolean {
    const seen = this.byAccount.get(account)?.get(ip);
    return seen !== undefined && this.now() - seen < REMEMBER_MS;
  }

  remember(account: string, ip: string): void {
    const addresses = this.byAccount.get(account) ?? new Map<string, number>();
    this.byAccount.delete(account);
    this.byAccount.set(account, addresses);
    if (this.byAccount.size > this.maxAccounts) this.byAccount.delete(this.byAccount.keys().next().value!);
    addresses.delete(ip);
    addresses.set(ip, this.now());
    if (addresses.size > ADDRESSES_PER_ACCOUNT) addresses.delete(addresses.keys().next().value!);
  }
}
