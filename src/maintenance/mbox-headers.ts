import { fieldValues, prependFields, removeFields } from '../smtp/index.js';
import type { Flag } from '../store/index.js';

/**
 * The mbox metadata fields (docs/architecture.md "Retention and migration"): which folder a message was in and its flags, the way mutt,
 * Dovecot and Thunderbird write them. They describe the mailbox, not the message, so they are
 * stripped on import and replaced on export.
 * - `Status:` R = \Seen, O = no longer \Recent;
 * - `X-Status:` A = \Answered, F = \Flagged, T = \Draft, D = \Deleted;
 * - `X-Keywords:` IMAP keywords, separated by spaces (commas are read too);
 * - `X-Folder:` our choice for one file holding every folder: the folder's name, UTF-8, "/" between levels.
 */

const METADATA = new Set(['status', 'x-status', 'x-keywords', 'x-folder']);
const X_STATUS: ReadonlyArray<readonly [letter: string, flag: Flag]> = [
  ['A', '\\Answered'],
  ['F', '\\Flagged'],
  ['T', '\\Draft'],
  ['D', '\\Deleted'],
];
/** RFC 3501 §9: a keyword is an atom. */
const KEYWORD = /^[\x21-\x7e]+$/;
const ATOM_SPECIALS = /[(){%*"\\\]]/;

export interface MboxMetadata {
  readonly folder: string | null;
  readonly flags: readonly Flag[];
}

/** The message without the metadata fields, and what they said. */
export function takeMetadata(raw: Buffer): { readonly message: Buffer; readonly metadata: MboxMetadata } {
  const status = fieldValues(raw, 'status').join('');
  const xStatus = fieldValues(raw, 'x-status').join('');
  const keywords = fieldValues(raw, 'x-keywords')
    .flatMap((value) => value.split(/[\s,]+/))
    .filter((k) => k !== '' && KEYWORD.test(k) && !ATOM_SPECIALS.test(k) && !k.startsWith('\\'));
  const folder = fieldValues(raw, 'x-folder')[0]?.trim() || null;
  const flags: Flag[] = [];
  if (status.includes('R')) flags.push('\\Seen');
  for (const [letter, flag] of X_STATUS) if (xStatus.includes(letter)) flags.push(flag);
  return { message: removeFields(raw, (field) => METADATA.has(field.name)), metadata: { folder, flags: [...flags, ...new Set(keywords)] } };
}

/** The message with metadata fields for `folder` and `flags` on top (any old ones removed). */
export function putMetadata(raw: Buffer, folder: string, flags: readonly Flag[]): Buffer {
  const lower = new Set(flags.map((f) => f.toLowerCase()));
  const xStatus = X_STATUS.filter(([, flag]) => lower.has(flag.toLowerCase()))
    .map(([letter]) => letter)
    .join('');
  const keywords = flags.filter((f) => !f.startsWith('\\'));
  const lines = [
    `X-Folder: ${folder}`,
    `Status: ${lower.has('\\seen') ? 'RO' : 'O'}`,
    ...(xStatus ? [`X-Status: ${xStatus}`] : []),
    ...(keywords.length > 0 ? [`X-Keywords: ${keywords.join(' ')}`] : []),
  ];
  return prependFields(removeFields(raw, (field) => METADATA.has(field.name)), lines);
}
