import type { Extension } from '../session.js';
import type { CommandHandler } from './handler.js';

/** Extensions a client may ENABLE (RFC 5161 §3.1); others are ignored, as the RFC requires. */
const ENABLEABLE: readonly Extension[] = ['CONDSTORE', 'QRESYNC', 'UTF8=ACCEPT', 'IMAP4rev2'];

export const enable: CommandHandler = (session, { args }) => {
  const names: string[] = [];
  do {
    args.space();
    names.push(args.keyword());
  } while (!args.atEnd());
  const newlyEnabled: string[] = [];
  for (const name of names) {
    // [imap] hide_capabilities: a hidden extension is as unknown to ENABLE as one we lack.
    const extension = ENABLEABLE.find((e) => e.toUpperCase() === name && !session.hidesCapability(e));
    // RFC 6855 §3 and RFC 9051 §6.3.1 (ENABLE is for the authenticated state): UTF-8 names only before a mailbox is selected.
    if (!extension || session.enabled.has(extension) || ((extension === 'UTF8=ACCEPT' || extension === 'IMAP4rev2') && session.selected)) continue;
    session.enabled.add(extension);
    newlyEnabled.push(extension);
    if (extension === 'QRESYNC') session.enabled.add('CONDSTORE'); // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE
  }
  // RFC 5161 §3.1: ENABLED lists only what this command newly enabled.
  session.out.untagged(['ENABLED', ...newlyEnabled].join(' '));
  return { text: 'ENABLE completed' };
};
