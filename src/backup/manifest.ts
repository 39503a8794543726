import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { BackupError } from './errors.js';

/**
 * `manifest.json`, the last file written into a backup (docs/backup.en.md "What a backup is"):
 * a backup without it is unfinished. It records when the snapshot was taken, the schema step
 * of each component, the rows of each table and the size and SHA-256 of every other file, so
 * `backup verify` can judge a copy with no server and name the file that is wrong.
 */

export const MANIFEST = 'manifest.json';
/** The database copy inside a backup; the same name as in the data directory (config/load.ts). */
export const DATABASE_FILE = 'mail.db';
const FORMAT = 'cantho-mail-backup';

export interface ManifestFile {
  /** Relative to the backup directory, "/"-separated. */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface BackupManifest {
  readonly format: typeof FORMAT;
  readonly version: 1;
  /** The snapshot holds every commit made before this instant (ISO 8601). */
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly domain: string;
  readonly schema: Readonly<Record<string, number>>;
  readonly counts: Readonly<Record<string, number>>;
  readonly files: readonly ManifestFile[];
}

export function newManifest(fields: Omit<BackupManifest, 'format' | 'version'>): BackupManifest {
  return { format: FORMAT, version: 1, ...fields };
}

export function readManifest(dir: string): BackupManifest {
  const file = path.join(dir, MANIFEST);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new BackupError(`${dir}: no ${MANIFEST}: not a finished backup (an interrupted backup never gets one)`);
    throw new BackupError(`${file}: cannot read: ${code ?? String(error)}`);
  }
  let manifest: Partial<BackupManifest>;
  try {
    manifest = JSON.parse(text) as Partial<BackupManifest>;
  } catch {
    throw new BackupError(`${file}: not valid JSON (damaged)`);
  }
  if (manifest.format !== FORMAT || manifest.version !== 1 || !Array.isArray(manifest.files) || typeof manifest.startedAt !== 'string') {
    throw new BackupError(`${file}: not a ${FORMAT} manifest of version 1`);
  }
  return manifest as BackupManifest;
}

/** SHA-256 and size of a file, read as a stream (a database copy may be many gigabytes). */
export async function hashFile(file: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}
