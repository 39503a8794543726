/**
 * Mail for the interop tests: RFC 5322 messages with Vietnamese text (UTF-8 body, RFC 2047
 * subject) and delivery through the MX with swaks, the way mail from outside arrives.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { swaks } from '../smtp/clients.js';
import type { ReadmeServer } from './readme-server.js';

/** The outside sender of every delivered letter. */
export const SENDER = 'sonv@example.org';
let written = 0;

export interface Letter {
  readonly subject: string;
  readonly body: string;
  /** Display name of the sender sonv@example.org. */
  readonly fromName?: string;
  readonly messageId?: string;
}

/** RFC 2047 §4.1 "B" encoding of a header text; short subjects fit one encoded-word. */
export function encodedWord(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

export function composeMessage(to: string, letter: Letter, date = new Date()): string {
  return [
    `From: ${encodedWord(letter.fromName ?? 'Sở Nội vụ')} <${SENDER}>`,
    `To: ${to}`,
    `Subject: ${encodedWord(letter.subject)}`,
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: ${letter.messageId ?? `<${Math.random().toString(36).slice(2)}@example.org>`}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    letter.body,
    '',
  ].join('\r\n');
}

/** Sends one message to the MX with swaks and checks the 250; returns swaks' transcript. */
export async function deliverWithSwaks(server: ReadmeServer, to: string, letter: Letter): Promise<string> {
  const file = path.join(server.dir, `letter-${++written}.eml`);
  // The message as is, ended by the DATA terminator: swaks' own fix-ups would add an empty line.
  writeFileSync(file, `${composeMessage(to, letter)}.\r\n`);
  const result = await swaks(['--server', `127.0.0.1:${server.ports.mx}`, '--from', SENDER, '--to', to, '--data', `@${file}`, '--no-data-fixup']);
  if (result.code !== 0 || !/<- {2}250 2\.6\.0 /.test(result.output)) throw new Error(`swaks was not answered 250:\n${result.output}`);
  return result.output;
}
