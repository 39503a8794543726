import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { readMbox } from '../../mime/index.js';

/**
 * Where `spam train` reads messages: a folder of .eml files (one message each), or one mbox file.
 * mbox: read by src/mime/mbox.ts (mboxrd, strict); a broken or truncated file stops the
 * training with its line number rather than teaching half a message.
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
  for (const entry of readMbox(data)) {
    if (entry.kind !== 'message') throw new Error(`${source}: line ${entry.line}: ${entry.detail}`);
    yield entry.raw;
  }
}
