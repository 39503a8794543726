/**
 * cantho-mail's IMAP server: IMAP4rev1 (RFC 3501) with the extensions in capabilities.ts, served
 * from the MailStore (src/store/api.ts), logins through the DirectoryService.
 *
 * Where things are:
 *   server.ts        startImap(ctx): listeners (STARTTLS and implicit TLS), the session hub that
 *                    routes store/directory events, the per-user connection limit
 *   session.ts       one connection: state machine, command loop, unsolicited updates
 *   selected.ts      SelectedMailbox: seq ↔ UID map, \Recent, pending updates
 *   parser.ts        CommandReader (framing, literals, limits) and ArgReader (arguments)
 *   fetch/           FETCH items, sections, ENVELOPE/BODYSTRUCTURE, bounded output (output.ts)
 *   responses.ts     ImapValue encoding and ResponseWriter
 *   mutf7.ts         modified UTF-7 mailbox names (RFC 3501 §5.1.3)
 *   errors.ts        ImapError / ParseError, StoreError → NO [code]
 *   capabilities.ts  each capability once, with its RFC
 *   capability-hiding.ts  `[imap] hide_capabilities`: capabilities withheld per account / client ID
 *   mailboxes.ts     mailbox lookup by name with RFC 5530 codes, RFC 4314 rights checks
 *   namespaces.ts    personal and shared (Shared/<unit>/…) namespaces, rights (docs/architecture.md "Unit mailboxes")
 *   acl.ts, delegate-audit.ts, seen-view.ts   ACL commands' helpers, delegate audit, private \Seen
 *   list-pattern.ts  LIST/LSUB wildcards
 *   message-rows.ts  the store rows a message command names (few: by UID; many: one scan)
 *   junk-learning.ts MOVE/COPY into or out of Junk teaches Bayes, after the command (Bayes learning)
 *   qresync.ts       RFC 7162 §3.2 QRESYNC: SELECT parameter, VANISHED (EARLIER)
 *   notify/          RFC 5465 NOTIFY: arguments (request.ts), mailbox filters (filters.ts), what a
 *                    session watches and its waiting notifications, bounded (watcher.ts)
 *   status-values.ts STATUS response values, for STATUS, LIST-STATUS and NOTIFY
 *   search/          SEARCH keys (parse.ts, query.ts), the evaluator (evaluate.ts), SORT keys
 *                    (sort.ts, base-subject.ts), THREAD (thread.ts), ESEARCH and the RFC 5182
 *                    saved result (results.ts); execute.ts runs one search from rows to answer,
 *                    search-runner.ts decides where: the event loop for a small mailbox, a search
 *                    worker thread (worker.ts, the store's read-only SearchReader) for a large one
 *   seen-rows.ts     rows with a reader's private \Seen (seen-view.ts and the search workers)
 *   compress.ts      RFC 4978 COMPRESS=DEFLATE streams (small deflate window per connection)
 *   warm-up.ts       `[imap] warm_up`: after start-up's preload, a read-only sync through a session of
 *                    the server's own on a private loopback connection, so the first client's sync
 *                    finds the FETCH path compiled
 *   commands/index.ts the command table by state; commands/<name>.ts one file per command
 *   command-spec.ts  the shapes the session and the table share; the hub hands the table to each
 *                    session, so session.ts and the commands never import each other
 *
 * Invariants:
 *   1. One command at a time per connection. The session pulls the next command from the reader
 *      only after the previous tagged response; pipelined input waits, unread, in the reader.
 *   2. The store commits before it emits a change (api.ts), and sessions only record changes when
 *      they arrive; a session announces them (EXISTS, EXPUNGE, FETCH FLAGS) just before a tagged
 *      response, or at once while in IDLE — never EXPUNGE during FETCH, STORE or SEARCH with
 *      sequence numbers, never EXPUNGE with no command in progress (RFC 3501 §5.2, §7.4.1).
 *      After NOTIFY SET (RFC 5465) the events the client asked for are also written between
 *      commands, EXPUNGE included for SELECTED (its client uses UIDs, §5.3), never during a command.
 *   3. Sequence numbers seen by a command do not move during it: SelectedMailbox's map changes only
 *      in collectUpdates().
 *   4. Responses are written whole, or a large one in pieces with ResponseWriter.drained() between
 *      them: FETCH reads message data from the store only as it writes it (fetch/output.ts), so a
 *      connection holds about a megabyte of output at most, and a FETCH stops at once when its
 *      client has gone. A client that lets MAX_UNSENT octets pile up unread is disconnected.
 *   5. Literals above the limit are refused before they are read (RFC 7889): only APPEND may send
 *      more than MAX_ARGUMENT_LITERAL. An APPEND literal up to `[limits] spool_threshold` first
 *      reserves its octets in the all-sessions budget (`[limits] memory_ceiling`, `NO [INUSE]` past
 *      it); a larger one streams to a spool file as it arrives, reserving nothing, and is reserved
 *      and read back only once its checks passed, to be stored. Spool files go with the command on
 *      every path. The connection stays in sync either way.
 *   6. SEARCH, SORT and THREAD of a mailbox above `[imap] search_worker_above` run on a search
 *      worker thread with its own read-only connection, within `[imap] search_budget` (NO [LIMIT]
 *      past it); the session waits for the answer like for any awaited store call, so the
 *      sequence numbers it sent stay valid (invariant 3).
 *   7. Store and directory calls are synchronous or awaited inside the command; no account lock is
 *      held while writing to a socket (the store has none to hold: each call is one transaction).
 *   8. Passwords, AUTHENTICATE data and message literals are never logged.
 *   9. A mailbox the person may not see answers exactly like one that does not exist (no
 *      existence leak); every name goes through mailboxes.ts / namespaces.ts to get there.
 */
export { startImap } from './server.js';
