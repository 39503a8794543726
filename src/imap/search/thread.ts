/**
 * RFC 5256 §4 THREAD algorithms over the matching messages: ORDEREDSUBJECT (by base subject, then
 * sent date) and REFERENCES (message-ID links from References / In-Reply-To, dummies pruned, then
 * top-level threads gathered by base subject; siblings by sent date). A thread node names a
 * sequence number, or is a dummy (null) holding the thread's messages whose parent is missing.
 */
import { listHeaderFields } from '../../mime/index.js';
import type { MailboxId, MessageRow } from '../../store/index.js';
import { baseSubject, type BaseSubject } from './base-subject.js';
import type { MessageSource } from './evaluate.js';
import type { ThreadAlgorithm } from './query.js';
import { metaOf, sentTime } from './sort.js';

export const THREAD_ALGORITHMS: readonly ThreadAlgorithm[] = ['ORDEREDSUBJECT', 'REFERENCES'];

export interface ThreadNode {
  readonly seq: number | null;
  readonly children: ThreadNode[];
}

interface ThreadMessage {
  readonly seq: number;
  readonly sent: number;
  readonly subject: BaseSubject;
  readonly messageId: string | null;
  /** References (or, without usable ones, the first In-Reply-To ID), oldest first. */
  readonly references: readonly string[];
}

export async function threadMessages(
  source: MessageSource,
  mailbox: MailboxId,
  messages: ReadonlyArray<MessageRow | null>,
  seqs: readonly number[],
  algorithm: ThreadAlgorithm,
): Promise<ThreadNode[]> {
  const rows = seqs.map((seq) => messages[seq - 1]!);
  const metas = await metaOf(source, mailbox, rows.map((row) => row.uid));
  const facts = await Promise.all(seqs.map(async (seq, i): Promise<ThreadMessage> => {
    const row = rows[i]!;
    const meta = metas.get(row.uid);
    const envelope = meta?.envelope;
    const header = algorithm === 'REFERENCES' && meta ? await source.readBlob(row.blobId, 0, meta.headerSize) : null;
    const references = header ? messageIds(listHeaderFields(header, 0, header.length).filter((f) => f.name === 'references').map((f) => f.value).join(' ')) : [];
    return {
      seq,
      sent: sentTime(envelope?.date ?? null, row.internalDate),
      subject: baseSubject(envelope?.subject ?? null),
      messageId: messageIds(envelope?.messageId ?? '')[0] ?? null,
      references: references.length > 0 ? references : messageIds(envelope?.inReplyTo ?? '').slice(0, 1),
    };
  }));
  return algorithm === 'ORDEREDSUBJECT' ? orderedSubject(facts) : references(facts);
}

function messageIds(text: string): string[] {
  return text.match(/<[^<>\s]+>/g) ?? [];
}

const bySentThenSeq = (a: ThreadMessage, b: ThreadMessage): number => a.sent - b.sent || a.seq - b.seq;

/** §4 ORDEREDSUBJECT: one thread per base subject, its first message the parent of the others; threads by their first message's date. */
function orderedSubject(facts: ThreadMessage[]): ThreadNode[] {
  const sorted = [...facts].sort((a, b) => compare(a.subject.text, b.subject.text) || bySentThenSeq(a, b));
  const threads: Array<{ first: ThreadMessage; node: ThreadNode }> = [];
  let current: { key: string; node: ThreadNode } | null = null;
  for (const message of sorted) {
    const key = message.subject.text.toLowerCase();
    if (current && current.key === key) {
      current.node.children.push({ seq: message.seq, children: [] });
      continue;
    }
    current = { key, node: { seq: message.seq, children: [] } };
    threads.push({ first: message, node: current.node });
  }
  return threads.sort((a, b) => bySentThenSeq(a.first, b.first)).map((t) => t.node);
}

const compare = (a: string, b: string): number => {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
};

interface Container {
  message: ThreadMessage | null;
  parent: Container | null;
  children: Container[];
}

/** §4 REFERENCES, steps 1–6. */
function references(facts: ThreadMessage[]): ThreadNode[] {
  const byId = new Map<string, Container>();
  const container = (id: string): Container => {
    let found = byId.get(id);
    if (!found) byId.set(id, (found = { message: null, parent: null, children: [] }));
    return found;
  };
  const isAncestor = (ancestor: Container, of: Container): boolean => {
    for (let at: Container | null = of; at; at = at.parent) if (at === ancestor) return true;
    return false;
  };
  const link = (parent: Container, child: Container): void => {
    unlink(child);
    adopt(parent, child);
  };
  const all: Container[] = [];
  for (const message of facts) {
    // (1) a message without a Message-ID, or with one already used, gets a container of its own.
    let own = message.messageId ? byId.get(message.messageId) : undefined;
    if (!own || own.message) {
      own = message.messageId && !byId.has(message.messageId) ? container(message.messageId) : { message: null, parent: null, children: [] };
    }
    own.message = message;
    all.push(own);
    // (1A) the references link to one another in order, unless linked already or a loop would form.
    const refs = message.references.map(container);
    for (let i = 1; i < refs.length; i++) {
      const parent = refs[i - 1]!;
      const child = refs[i]!;
      if (child.parent === null && parent !== child && !isAncestor(child, parent)) link(parent, child);
    }
    // (1B) the last reference is the message's parent, replacing any parent it had; never a loop.
    const last = refs.at(-1);
    if (last && last !== own && !isAncestor(own, last)) link(last, own);
    else if (!last) unlink(own);
  }
  // (2) the root set.
  let roots = [...new Set([...all, ...byId.values()])].filter((c) => c.parent === null);
  // (3) dummies pruned.
  roots = roots.flatMap((root) => prune(root, true));
  for (const root of roots) root.parent = null;
  // (4) the root set by sent date (a dummy: its first child, once its children are sorted).
  for (const root of roots) if (!root.message) root.children.sort(byDate);
  roots.sort(byDate);
  // (5) top-level threads with the same base subject gathered.
  roots = gatherBySubject(roots);
  // (6) every set of siblings by sent date.
  for (const root of roots) sortSiblings(root);
  roots.sort(byDate);
  return roots.map(toNode);
}

/** §4 (3): the containers that take `c`'s place (none, itself, or its promoted children). */
function prune(c: Container, atRoot: boolean): Container[] {
  c.children = c.children.flatMap((child) => prune(child, false));
  for (const child of c.children) child.parent = c;
  if (c.message) return [c];
  if (c.children.length === 0) return [];
  // A dummy's children move up, except onto the root set when there are several of them.
  if (atRoot && c.children.length > 1) return [c];
  return c.children;
}

function dateOf(c: Container): ThreadMessage | null {
  return c.message ?? (c.children[0] ? dateOf(c.children[0]) : null);
}

function byDate(a: Container, b: Container): number {
  const x = dateOf(a);
  const y = dateOf(b);
  if (!x || !y) return 0;
  return bySentThenSeq(x, y);
}

function sortSiblings(c: Container): void {
  for (const child of c.children) sortSiblings(child);
  c.children.sort(byDate);
}

function subjectOf(c: Container): BaseSubject | null {
  const message = c.message ?? c.children[0]?.message ?? null;
  return message && message.subject.text !== '' ? message.subject : null;
}

/** §4 (5) A–D; a container merged under another leaves the top level. */
function gatherBySubject(roots: Container[]): Container[] {
  const table = new Map<string, Container>();
  for (const root of roots) {
    const subject = subjectOf(root);
    if (!subject) continue;
    const key = subject.text.toLowerCase();
    const held = table.get(key);
    if (!held || (!root.message && held.message) || (held.message && subjectOf(held)!.replyOrForward && !subject.replyOrForward)) table.set(key, root);
  }
  for (const root of [...roots]) {
    const subject = subjectOf(root);
    if (!subject || root.parent !== null) continue;
    const key = subject.text.toLowerCase();
    const held = table.get(key)!;
    if (held === root) continue;
    if (!held.message && !root.message) {
      // Both dummies: one keeps the other's children.
      for (const child of root.children) child.parent = held;
      held.children.push(...root.children);
      root.children = [];
    } else if (!held.message) {
      adopt(held, root);
    } else if (!root.message) {
      adopt(root, held);
      table.set(key, root);
    } else if (!subjectOf(held)!.replyOrForward && subject.replyOrForward) {
      adopt(held, root);
    } else {
      const dummy: Container = { message: null, parent: null, children: [] };
      adopt(dummy, held);
      adopt(dummy, root);
      table.set(key, dummy);
      roots.push(dummy);
    }
  }
  return roots.filter((root) => root.parent === null && (root.message !== null || root.children.length > 0));
}

function unlink(child: Container): void {
  if (!child.parent) return;
  child.parent.children.splice(child.parent.children.indexOf(child), 1);
  child.parent = null;
}

function adopt(parent: Container, child: Container): void {
  child.parent = parent;
  parent.children.push(child);
}

function toNode(c: Container): ThreadNode {
  return { seq: c.message?.seq ?? null, children: c.children.map(toNode) };
}
