import { parseThread } from '../search/parse.js';
import type { ThreadNode } from '../search/thread.js';
import type { CommandHandler } from './handler.js';
import { runSearch } from './search.js';

/**
 * RFC 5256 §4 THREAD and UID THREAD with ORDEREDSUBJECT or REFERENCES (search/thread.ts):
 * `* THREAD (2)(3 6 (4 23)(44 7 96))`.
 */
export const thread: CommandHandler = async (session, { uid, args }) => {
  const selected = session.requireSelected();
  const query = parseThread(args);
  const { threads } = await runSearch(session, selected, query.key, { kind: 'thread', algorithm: query.algorithm }, null);
  const number = (seq: number): number => (uid ? selected.uidAt(seq)! : seq);
  session.out.untagged(`THREAD ${threads!.map((t) => `(${threadText(t, number)})`).join('')}`.trimEnd());
  return { text: `${uid ? 'UID THREAD' : 'THREAD'} completed` };
};

/**
 * RFC 5256 §4 thread-list: a message, then its one child's thread after a space, or each of
 * several children's threads in parentheses; a dummy (no message) is only its children's threads.
 */
function threadText(node: ThreadNode, number: (seq: number) => number): string {
  const own = node.seq === null ? '' : String(number(node.seq));
  if (node.children.length === 0) return own;
  const rest =
    node.children.length === 1 && node.seq !== null
      ? threadText(node.children[0]!, number)
      : node.children.map((child) => `(${threadText(child, number)})`).join('');
  return own === '' ? rest : `${own} ${rest}`;
}
