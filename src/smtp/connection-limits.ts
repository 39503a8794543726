import { SmtpReply } from './reply.js';

/** The connection-rate window (Postfix's anvil_rate_time_unit is the same minute). */
const RATE_WINDOW_MS = 60_000;

export interface ConnectionLimitSettings {
  /** `[smtp] max_connections_per_ip`: connections open at once from one address. */
  readonly perIp: number;
  /** `[smtp] max_connection_rate_per_ip`: new connections per minute from one address; 0: no limit. */
  readonly ratePerIp: number;
}

/**
 * Per-address connection limits of one listener (DESIGN.md "Config" [smtp]), sized for real
 * peers: one big sender (a ministry's MTA) may hold 50 connections and more at once, while one
 * address cannot take the listener over — at most `perIp` open, at most `ratePerIp` opened per
 * minute. The listener-wide cap (`[smtp] max_connections`) is smtp-server's `maxClients`.
 * Refusals are `421 4.7.0` (RFC 5321 §3.8: the server may close with 421; RFC 3463 4.7.0 policy).
 *
 * Invariant: every admitted connection is released exactly once (the caller keys by session id).
 */
export class ConnectionLimits {
  private readonly open = new Map<string, number>();
  private readonly opened = new Map<string, { windowStart: number; count: number }>();

  constructor(private readonly settings: ConnectionLimitSettings) {}

  /** Counts a new connection from `ip`, or returns the refusal (and counts nothing). */
  admit(ip: string, now = Date.now()): SmtpReply | null {
    const open = this.open.get(ip) ?? 0;
    if (open >= this.settings.perIp) return new SmtpReply(421, '4.7.0', 'Too many connections from your address, try again later');
    if (this.settings.ratePerIp > 0) {
      let window = this.opened.get(ip);
      if (!window || now - window.windowStart >= RATE_WINDOW_MS) {
        if (this.opened.size >= 10_000) this.forgetOldWindows(now);
        window = { windowStart: now, count: 0 };
        this.opened.set(ip, window);
      }
      if (window.count >= this.settings.ratePerIp) return new SmtpReply(421, '4.7.0', 'Too many new connections from your address, try again later');
      window.count++;
    }
    this.open.set(ip, open + 1);
    return null;
  }

  release(ip: string): void {
    const open = (this.open.get(ip) ?? 1) - 1;
    if (open <= 0) this.open.delete(ip);
    else this.open.set(ip, open);
  }

  private forgetOldWindows(now: number): void {
    for (const [ip, window] of this.opened) if (now - window.windowStart >= RATE_WINDOW_MS) this.opened.delete(ip);
  }
}
