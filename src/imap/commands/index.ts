/**
 * The command table (RFC 3501 §6): one entry per command name, with the states it is valid in.
 * The session looks the name up here; a name not in the table is `BAD unknown command`, a name used
 * in another state is `BAD … not valid in … state`. "UID FETCH" and the like are their own entries,
 * as RFC 3501 §6.4.8 makes them different commands (EXPUNGE may be sent during them).
 *
 * A handler:
 *   (session: Session, request: CommandRequest) => Completion | Promise<Completion>
 *   - reads its arguments from `request.args` (an ArgReader positioned right after the command
 *     name: call `args.space()` before the first argument and `args.end()` after the last);
 *   - writes untagged responses with `session.out.untagged(...)`;
 *   - fails by throwing ImapError / ParseError (errors.ts); StoreError is mapped with
 *     fromStoreError, anything else becomes `NO [SERVERBUG]`;
 *   - returns the text (and response code) of the tagged OK; the session sends pending
 *     unsolicited updates just before it.
 * `expungeAllowed: false` marks FETCH, STORE and SEARCH, during which RFC 3501 §7.4.1 forbids
 * EXPUNGE responses. Message commands (FETCH, STORE, SEARCH, COPY, MOVE, EXPUNGE, APPEND, UID …)
 * add their own lines here.
 */
import type { CommandSpec as GenericSpec, SessionState } from '../command-spec.js';
import type { Session } from '../session.js';
import { append } from './append.js';
import { authenticate } from './authenticate.js';
import { cancelupdate } from './cancelupdate.js';
import { capability } from './capability.js';
import { check } from './check.js';
import { close } from './close.js';
import { compress } from './compress.js';
import { copy } from './copy.js';
import { create } from './create.js';
import { deleteMailbox } from './delete.js';
import { enable } from './enable.js';
import { expunge } from './expunge.js';
import { fetch } from './fetch.js';
import { deleteacl } from './deleteacl.js';
import { getacl } from './getacl.js';
import { getquota } from './getquota.js';
import { getquotaroot } from './getquotaroot.js';
import { id } from './id.js';
import { idle } from './idle.js';
import { list } from './list.js';
import { listrights } from './listrights.js';
import { login } from './login.js';
import { logout } from './logout.js';
import { move } from './move.js';
import { lsub } from './lsub.js';
import { myrights } from './myrights.js';
import { namespace } from './namespace.js';
import { noop } from './noop.js';
import { notify } from './notify.js';
import { rename } from './rename.js';
import { search } from './search.js';
import { examine, select } from './select.js';
import { setacl } from './setacl.js';
import { sort } from './sort.js';
import { starttls } from './starttls.js';
import { status } from './status.js';
import { store } from './store.js';
import { subscribe, unsubscribe } from './subscribe.js';
import { thread } from './thread.js';
import { unauthenticate } from './unauthenticate.js';
import { unselect } from './unselect.js';

export type { CommandHandler, CommandRequest, Completion } from './handler.js';
export type CommandSpec = GenericSpec<Session>;

export const ANY_STATE: ReadonlySet<SessionState> = new Set(['not-authenticated', 'authenticated', 'selected']);
export const NOT_AUTHENTICATED: ReadonlySet<SessionState> = new Set(['not-authenticated']);
export const AUTHENTICATED: ReadonlySet<SessionState> = new Set(['authenticated', 'selected']);
export const SELECTED: ReadonlySet<SessionState> = new Set(['selected']);

export const COMMANDS = new Map<string, CommandSpec>([
  // RFC 3501 §6.1: any state
  ['CAPABILITY', { states: ANY_STATE, run: capability }],
  ['NOOP', { states: ANY_STATE, run: noop }],
  ['LOGOUT', { states: ANY_STATE, run: logout }],
  ['ID', { states: ANY_STATE, run: id }], // RFC 2971
  // RFC 3501 §6.2: not authenticated
  ['STARTTLS', { states: NOT_AUTHENTICATED, run: starttls }],
  ['LOGIN', { states: NOT_AUTHENTICATED, run: login }],
  ['AUTHENTICATE', { states: NOT_AUTHENTICATED, run: authenticate }],
  // RFC 3501 §6.3: authenticated
  ['ENABLE', { states: new Set(['authenticated']), run: enable }], // RFC 5161 §3.1: not once selected
  ['SELECT', { states: AUTHENTICATED, run: select }],
  ['EXAMINE', { states: AUTHENTICATED, run: examine }],
  ['CREATE', { states: AUTHENTICATED, run: create }],
  ['DELETE', { states: AUTHENTICATED, run: deleteMailbox }],
  ['RENAME', { states: AUTHENTICATED, run: rename }],
  ['SUBSCRIBE', { states: AUTHENTICATED, run: subscribe }],
  ['UNSUBSCRIBE', { states: AUTHENTICATED, run: unsubscribe }],
  ['LIST', { states: AUTHENTICATED, run: list }],
  ['LSUB', { states: AUTHENTICATED, run: lsub }],
  ['NAMESPACE', { states: AUTHENTICATED, run: namespace }], // RFC 2342
  ['STATUS', { states: AUTHENTICATED, run: status }],
  ['IDLE', { states: AUTHENTICATED, run: idle }], // RFC 2177
  ['NOTIFY', { states: AUTHENTICATED, run: notify }], // RFC 5465 §3.1
  ['GETQUOTA', { states: AUTHENTICATED, run: getquota }], // RFC 9208
  ['GETQUOTAROOT', { states: AUTHENTICATED, run: getquotaroot }],
  ['SETACL', { states: AUTHENTICATED, run: setacl }], // RFC 4314
  ['DELETEACL', { states: AUTHENTICATED, run: deleteacl }],
  ['GETACL', { states: AUTHENTICATED, run: getacl }],
  ['LISTRIGHTS', { states: AUTHENTICATED, run: listrights }],
  ['MYRIGHTS', { states: AUTHENTICATED, run: myrights }],
  ['APPEND', { states: AUTHENTICATED, run: append }],
  ['COMPRESS', { states: AUTHENTICATED, run: compress }], // RFC 4978
  ['UNAUTHENTICATE', { states: AUTHENTICATED, run: unauthenticate }], // RFC 8437
  // RFC 3501 §6.4: selected
  ['CHECK', { states: SELECTED, run: check }],
  ['CLOSE', { states: SELECTED, run: close }],
  ['UNSELECT', { states: SELECTED, run: unselect }], // RFC 3691
  ['CANCELUPDATE', { states: SELECTED, run: cancelupdate }], // RFC 5267 §4.5
  ['EXPUNGE', { states: SELECTED, run: expunge }],
  ['SEARCH', { states: SELECTED, run: search, expungeAllowed: false }],
  ['SORT', { states: SELECTED, run: sort, expungeAllowed: false }], // RFC 5256 §3
  ['THREAD', { states: SELECTED, run: thread, expungeAllowed: false }], // RFC 5256 §4
  ['FETCH', { states: SELECTED, run: fetch, expungeAllowed: false }],
  ['STORE', { states: SELECTED, run: store, expungeAllowed: false }],
  ['COPY', { states: SELECTED, run: copy }],
  ['MOVE', { states: SELECTED, run: move }], // RFC 6851
  // RFC 3501 §6.4.8: the UID forms may see EXPUNGE responses (they do not use sequence numbers).
  ['UID FETCH', { states: SELECTED, run: fetch }],
  ['UID STORE', { states: SELECTED, run: store }],
  ['UID SEARCH', { states: SELECTED, run: search }],
  ['UID SORT', { states: SELECTED, run: sort }],
  ['UID THREAD', { states: SELECTED, run: thread }],
  ['UID COPY', { states: SELECTED, run: copy }],
  ['UID MOVE', { states: SELECTED, run: move }], // RFC 6851
  ['UID EXPUNGE', { states: SELECTED, run: expunge }], // RFC 4315
]);
