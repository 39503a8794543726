/**
 * Mail traffic and mailbox views for the continuity tests (docs/backup.en.md), all through real
 * clients: nodemailer to the MX, imapflow over STARTTLS; and the Message-IDs a restored database
 * file holds.
 */
import Database from 'better-sqlite3';
import type { ImapFlow } from 'imapflow';
import { sendRaw } from '../hostile/smtp-send.js';
import { composeMessage } from '../interop/mail.js';

export interface Acknowledged {
  readonly messageId: string;
  readonly to: string;
  /** Date.now() when the 250 had arrived: the commit happened before it (DESIGN.md "Durability"). */
  readonly at: number;
}

/** Delivers one message to the MX; resolves with its record after the 250, throws otherwise. */
export async function deliver(mx: number, to: string, messageId: string): Promise<Acknowledged> {
  const raw = Buffer.from(composeMessage(to, { subject: `Công văn ${messageId}`, body: `Nội dung ${messageId}\r\n`, messageId: `<${messageId}>` }));
  const reply = await sendRaw(mx, raw, to);
  if (reply.code !== 250) throw new Error(`${messageId}: ${reply.code} ${reply.text}`);
  return { messageId, to, at: Date.now() };
}

/**
 * `senders` clients delivering at once until `until()` says stop or `total` are sent; returns
 * every acknowledged message. Recipients are taken in turn.
 */
export async function deliverLoad(mx: number, recipients: readonly string[], options: { senders: number; total?: number; until?: () => boolean; prefix: string }): Promise<Acknowledged[]> {
  const acknowledged: Acknowledged[] = [];
  let next = 0;
  const sender = async () => {
    for (;;) {
      if (options.until?.() === true) return;
      const n = next++;
      if (options.total !== undefined && n >= options.total) return;
      acknowledged.push(await deliver(mx, recipients[n % recipients.length]!, `${options.prefix}-${n}@example.org`));
    }
  };
  await Promise.all(Array.from({ length: options.senders }, sender));
  return acknowledged;
}

export interface MessageView {
  readonly uid: number;
  readonly messageId: string;
  readonly flags: readonly string[];
}

/** Every message of the folder: UID, Message-ID (without <>) and flags, sorted. */
export async function folderView(client: ImapFlow, folder = 'INBOX'): Promise<MessageView[]> {
  const lock = await client.getMailboxLock(folder, { readOnly: true });
  try {
    const views: MessageView[] = [];
    for await (const message of client.fetch('1:*', { uid: true, flags: true, envelope: true })) {
      views.push({ uid: message.uid, messageId: (message.envelope?.messageId ?? '').replace(/^<|>$/g, ''), flags: [...(message.flags ?? [])].sort() });
    }
    return views.sort((a, b) => a.uid - b.uid);
  } catch (error) {
    // An empty folder: imapflow's FETCH 1:* fails with no messages.
    if ((client.mailbox && client.mailbox.exists === 0) || /Invalid messageset/i.test(String(error))) return [];
    throw error;
  } finally {
    lock.release();
  }
}

/** folderView again (after a NOOP) until `ready` holds; 30 s at most. */
export async function waitForView(client: ImapFlow, ready: (view: MessageView[]) => boolean, folder = 'INBOX'): Promise<MessageView[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    await client.noop();
    const view = await folderView(client, folder);
    if (ready(view) || Date.now() > deadline) return view;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Message-IDs (without <>) of every message row of a database file, e.g. one `replica restore` wrote. */
export function messageIdsIn(database: string): string[] {
  const db = new Database(database, { readonly: true });
  try {
    return db
      .prepare<[], string>(`SELECT json_extract(b.envelope, '$.messageId') FROM messages m JOIN blobs b ON b.id = m.blob`)
      .pluck()
      .all()
      .map((id) => id.replace(/^<|>$/g, ''));
  } finally {
    db.close();
  }
}
