import type { CommandHandler as HandlerOf } from '../command-spec.js';
import type { Session } from '../session.js';

/** What each command file exports: a handler of our Session (the table is index.ts). */
export type CommandHandler = HandlerOf<Session>;
export type { CommandRequest, Completion } from '../command-spec.js';
