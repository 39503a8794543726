import { closeSync, fsyncSync, openSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Flushes a file or a directory entry to the disk: a backup reported done survives a power cut. */
export function fsyncPath(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Regular files under `dir`, relative and "/"-separated, sorted. */
export function listFiles(dir: string, prefix = ''): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) found.push(...listFiles(dir, relative));
    else if (entry.isFile()) found.push(relative);
  }
  return found.sort();
}

/** True when `dir` does not exist or holds nothing. */
export function isEmptyOrMissing(dir: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return false;
  } catch {
    return true;
  }
  return readdirSync(dir).length === 0;
}
