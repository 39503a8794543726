import { randomBytes } from 'node:crypto';
import type { Identity } from '../directory/index.js';
import type { AccountId } from '../store/index.js';

/**
 * Server-side sessions of the self-service site. The cookie carries only a random id (256 bits);
 * everything else stays here. Rules (OWASP Session Management Cheat Sheet):
 * - a new id on every change of privilege (sign-in, password change), the old id forgotten at
 *   once, so an id planted before sign-in (session fixation) is worth nothing after it;
 * - an idle timeout and an absolute lifetime, checked on every use;
 * - a bounded number of sessions, so anonymous visitors cannot fill memory.
 * In memory on purpose: one process serves the site, and a restart signing everyone out is fine.
 */

export interface SessionUser {
  readonly person: AccountId;
  readonly displayName: string;
  /**
   * From a full sign-in, re-checked with directory.revalidate after every directory change.
   * Null when signed in with a password that must be changed (verifyLogin gave 'expired'):
   * then only the change page is open (docs/architecture.md "Password lifecycle").
   */
  readonly identity: Identity | null;
}

export interface WebSession {
  readonly id: string;
  /** Synchronizer token of every POST form of this session (csrf.ts). */
  readonly csrfToken: string;
  readonly user: SessionUser | null;
  readonly createdAt: number;
  lastSeenAt: number;
}

export interface SessionOptions {
  /** Ends a session unused this long. */
  readonly idleMs: number;
  /** Ends a session this long after sign-in, used or not. */
  readonly absoluteMs: number;
  readonly maxSessions: number;
  readonly now: () => number;
}

/** Defaults for a store built without options; the server passes `http.session_idle` and `http.session_lifetime`. */
export const DEFAULT_SESSION_OPTIONS: SessionOptions = {
  idleMs: 30 * 60_000,
  absoluteMs: 8 * 3_600_000,
  maxSessions: 20_000,
  now: Date.now,
};

export type SessionLookup =
  | { readonly state: 'none' }
  | { readonly state: 'expired' }
  | { readonly state: 'active'; readonly session: WebSession };

const newId = (): string => randomBytes(32).toString('base64url');

export class SessionStore {
  private readonly sessions = new Map<string, WebSession>();
  private readonly options: SessionOptions;

  constructor(options: Partial<SessionOptions> = {}) {
    this.options = { ...DEFAULT_SESSION_OPTIONS, ...options };
  }

  get size(): number {
    return this.sessions.size;
  }

  /** A session for a visitor who has not signed in yet: it holds the CSRF token of the sign-in form. */
  createAnonymous(): WebSession {
    return this.insert(null);
  }

  /**
   * Finds the session of a cookie and marks it used. An unknown id is 'none' (never adopted: ids
   * are only ever minted here); a timed-out one is forgotten and reported 'expired'.
   */
  lookup(id: string | undefined): SessionLookup {
    if (!id) return { state: 'none' };
    const session = this.sessions.get(id);
    if (!session) return { state: 'none' };
    const now = this.options.now();
    if (this.isExpired(session, now)) {
      this.sessions.delete(id);
      return { state: 'expired' };
    }
    session.lastSeenAt = now;
    return { state: 'active', session };
  }

  /** Replaces the session by a new one with a new id and a new CSRF token (sign-in, password change). */
  rotate(oldId: string | null, user: SessionUser | null): WebSession {
    if (oldId) this.sessions.delete(oldId);
    return this.insert(user);
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  /**
   * After a directory change: each signed-in session gets `check`'s verdict — the same user, an
   * updated one, or null to end it.
   */
  recheck(check: (user: SessionUser) => SessionUser | null): void {
    for (const [id, session] of this.sessions) {
      if (!session.user) continue;
      const user = check(session.user);
      if (user === null) this.sessions.delete(id);
      else if (user !== session.user) this.sessions.set(id, { ...session, user });
    }
  }

  private isExpired(session: WebSession, now: number): boolean {
    return now - session.lastSeenAt >= this.options.idleMs || now - session.createdAt >= this.options.absoluteMs;
  }

  private insert(user: SessionUser | null): WebSession {
    if (this.sessions.size >= this.options.maxSessions) this.evict();
    const now = this.options.now();
    const session: WebSession = { id: newId(), csrfToken: newId(), user, createdAt: now, lastSeenAt: now };
    this.sessions.set(session.id, session);
    return session;
  }

  /**
   * Drops expired sessions, then — if still full — the oldest anonymous ones (a Map iterates in
   * insertion order), so a flood of visitors never signs out someone who is signed in.
   */
  private evict(): void {
    const now = this.options.now();
    for (const [id, session] of this.sessions) if (this.isExpired(session, now)) this.sessions.delete(id);
    const target = Math.floor(this.options.maxSessions * 0.9);
    for (const [id, session] of this.sessions) {
      if (this.sessions.size <= target) break;
      if (session.user === null) this.sessions.delete(id);
    }
    if (this.sessions.size >= this.options.maxSessions) {
      const oldest = this.sessions.keys().next();
      if (!oldest.done) this.sessions.delete(oldest.value);
    }
  }
}
