/**
 * Web sign-in throttling per client IP, in front of directory.verifyLogin (which counts failures
 * per account and per IP across IMAP, SMTP and web and answers with delayMs / 'locked'). The
 * directory's delay is honoured by answering late; this gate makes sure that waiting cannot be
 * side-stepped by sending many attempts at once: an IP has at most `maxInFlight` attempts
 * being checked or waiting, and the rest are answered 429 at once without touching argon2.
 * Other clients are not affected: the waits are timers, not work.
 */

/** Attempts from one IP checked or waiting at the same time (a city office shares one NAT address). */
export const MAX_IN_FLIGHT_PER_IP = 2;

export class LoginGate {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly maxInFlight = MAX_IN_FLIGHT_PER_IP) {}

  /** A release function when the attempt may go ahead, or null when the IP must retry later. */
  enter(ip: string): (() => void) | null {
    const current = this.inFlight.get(ip) ?? 0;
    if (current >= this.maxInFlight) return null;
    this.inFlight.set(ip, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(ip) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(ip);
      else this.inFlight.set(ip, left);
    };
  }
}
