// Module hooks (node:module register) that run the project's TypeScript sources on Node 20 with a
// cold start close to plain JavaScript. tsx costs about 0.4 s of CPU before the first line of the
// program runs (it starts esbuild and its own loader on every start); here a source file is
// transpiled by esbuild only when its text has never been seen, and the JavaScript is kept in a
// cache keyed by the text's hash, so an unchanged file costs one read and one hash, and an edited
// file is never run stale. Files keep their own URLs: import.meta.url, the worker task modules and
// the paths relative to a source file (config/templates) are those of the .ts file.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CACHE_DIR = path.join(os.tmpdir(), `cantho-mail-ts-${process.getuid?.() ?? 'user'}`);
// Part of every cache key: other options make other entries (an esbuild upgrade need not: the old
// output is still a correct translation of the same text).
const TRANSFORM_OPTIONS = {
  loader: 'ts',
  format: 'esm',
  target: 'node20',
  sourcemap: 'inline',
  sourcesContent: false,
  // tsconfig.json: target ES2022, so class fields are defined ([[Define]]) as tsc emits them.
  tsconfigRaw: { compilerOptions: { useDefineForClassFields: true } },
};

let esbuild = null;
let cacheTrusted = null;

/**
 * The cache is code this process will run: it is used only when the directory is this user's own
 * and nobody else can write to it (another local user could otherwise plant an entry under a
 * predictable name in the shared temp dir). Else every start transpiles again.
 */
function trustedCache() {
  if (cacheTrusted === null) {
    try {
      mkdirSync(CACHE_DIR, { recursive: true, mode: 0o700 });
      const stat = lstatSync(CACHE_DIR);
      cacheTrusted = stat.isDirectory() && stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
    } catch {
      cacheTrusted = false;
    }
  }
  return cacheTrusted;
}

function isProjectTypeScript(url) {
  return url.startsWith('file:') && url.endsWith('.ts') && !url.includes('/node_modules/');
}

/** NodeNext imports name the emitted file (`./runner.js`); the source beside it is `./runner.ts`. */
export async function resolve(specifier, context, nextResolve) {
  if (context.parentURL && isProjectTypeScript(context.parentURL) && /^\.{1,2}\//.test(specifier) && specifier.endsWith('.js')) {
    const candidate = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
    if (existsSync(fileURLToPath(candidate))) return { url: candidate.href, format: 'module', shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!isProjectTypeScript(url)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const source = readFileSync(file, 'utf8');
  return { format: 'module', source: await javascriptFor(file, source), shortCircuit: true };
}

async function javascriptFor(file, source) {
  const key = createHash('sha256').update(JSON.stringify(TRANSFORM_OPTIONS)).update('\0').update(file).update('\0').update(source).digest('hex');
  const cached = path.join(CACHE_DIR, `${key}.js`);
  const useCache = trustedCache();
  if (useCache) {
    try {
      return readFileSync(cached, 'utf8');
    } catch {
      // Not seen yet: transpile below.
    }
  }
  esbuild ??= await import('esbuild');
  const { code } = await esbuild.transform(source, { ...TRANSFORM_OPTIONS, sourcefile: file });
  if (!useCache) return code;
  try {
    // Written aside and renamed: a process reading the same entry sees all of it or none.
    const partial = `${cached}.${process.pid}.partial`;
    writeFileSync(partial, code);
    renameSync(partial, cached);
  } catch {
    // A read-only or full temp dir only costs the next start the transpiling again.
  }
  return code;
}
