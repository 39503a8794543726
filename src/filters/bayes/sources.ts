import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Where `spam train` reads messages: a folder of .eml files (one message each), or one mbox file.
 * mbox (RFC 4155): each message starts with a "From " line at the start of the file or after a
 * line break; lines that were quoted as ">From " (mboxrd) lose one ">".
 */
export async function* readMessages(source: string): AsyncGenerator<Buffer> {
  const info = await stat(source);
  if (info.isDirectory()) {
    const names = (await readdir(source)).filter((n) => n.toLowerCase().endsWith('.eml')).sort();
    for (const name of names) yield await readFile(path.join(source, name));
    return;
  }
  const data = await readFile(source);
  if (data.subarray(0, 5).toString('latin1') !== 'From ') {
    yield data;
    return;
  }
  yield* splitMbox(data);
}

export function* splitMbox(data: Buffer): Generator<Buffer> {
  const text = data.toString('latin1');
  const starts: number[] = [];
  const separator = /(^|\n)From [^\n]*\n/g;
  for (let match = separator.exec(text); match !== null; match = separator.exec(text)) starts.push(match.index + match[1]!.length, match.index + match[0].length);
  for (let i = 0; i < starts.length; i += 2) {
    const bodyStart = starts[i + 1]!;
    const end = starts[i + 2] ?? text.length;
    const message = text.slice(bodyStart, end).replace(/^>(>*From )/gm, '$1').replace(/\r?\n$/, '\n');
    if (message.trim() !== '') yield Buffer.from(message, 'latin1');
  }
}
