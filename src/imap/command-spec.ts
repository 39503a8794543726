import type { ArgReader } from './parser.js';

/**
 * The shape of a command in the table of commands/index.ts, apart from the table itself: the
 * session runs whatever table its host gives it (RFC 3501 §6 states), so session.ts and the
 * commands, which take the session, do not import each other.
 */

export type SessionState = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

export interface CommandRequest {
  readonly tag: string;
  /** Upper-case name as in the table: "SELECT", "UID FETCH". */
  readonly name: string;
  /** True for the UID variants (RFC 3501 §6.4.8). */
  readonly uid: boolean;
  readonly args: ArgReader;
}

export interface Completion {
  /** Text inside the brackets of the tagged OK, e.g. "READ-WRITE" or "APPENDUID 38505 3955". */
  readonly code?: string;
  readonly text: string;
  /** Runs after the tagged OK is written (STARTTLS negotiates TLS, LOGOUT closes). */
  readonly after?: () => Promise<void>;
}

export type CommandHandler<S> = (session: S, request: CommandRequest) => Completion | Promise<Completion>;

export interface CommandSpec<S> {
  readonly states: ReadonlySet<SessionState>;
  readonly run: CommandHandler<S>;
  /** RFC 3501 §7.4.1: false for FETCH, STORE and SEARCH (not their UID forms). Default true. */
  readonly expungeAllowed?: boolean;
}
