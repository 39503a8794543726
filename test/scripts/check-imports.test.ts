import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * scripts/check-imports.mjs, run as scripts/test-all.sh runs it, on small trees written to a temp
 * directory: a clean tree passes, and a deliberately bad one (a deep import, a runtime cycle
 * between modules, a type-only cycle inside a module) fails with one line per problem. Last, the
 * repository's own src/ in a git repository of its own: passes as committed, fails after a
 * deliberately bad commit.
 */
const SCRIPT = path.join(import.meta.dirname, '../../scripts/check-imports.mjs');
const SRC = path.join(import.meta.dirname, '../../src');
const run = promisify(execFile);
let root: string | null = null;

function tree(files: Record<string, string>): string {
  root = mkdtempSync(path.join(os.tmpdir(), 'check-imports-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

/** git in `cwd` with an identity of its own, whatever the machine's git config says. */
function git(cwd: string, ...args: string[]): Promise<unknown> {
  return run('git', ['-c', 'user.name=check-imports test', '-c', 'user.email=test@cantho.gov.vn', '-c', 'commit.gpgsign=false', ...args], { cwd });
}

async function check(dir: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [SCRIPT, dir]);
    return { code: 0, stdout };
  } catch (err) {
    const failed = err as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

const CLEAN = {
  'store/index.ts': "export { open } from './open.js';\nexport type { Row } from './types.js';\n",
  'store/open.ts': "import type { Row } from './types.js';\nexport function open(): Row[] { return []; }\n",
  'store/types.ts': 'export interface Row { readonly id: number }\n',
  'imap/index.ts': "export { serve } from './serve.js';\n",
  'imap/serve.ts': "import { open, type Row } from '../store/index.js';\nexport function serve(): Row[] { return open(); }\n",
  'server.ts': "import { serve } from './imap/index.js';\nserve();\n",
};

afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = null;
});

describe('scripts/check-imports.mjs', () => {
  it('passes a tree whose modules meet only through their index.ts', async () => {
    expect(await check(tree(CLEAN))).toEqual({ code: 0, stdout: 'imports ok: 6 files\n' });
  });

  it("fails on an import of another module's internal file, type-only imports included", async () => {
    const result = await check(
      tree({
        ...CLEAN,
        'imap/serve.ts': "import { open } from '../store/open.js';\nimport type { Row } from '../store/types.js';\nexport function serve(): Row[] { return open(); }\n",
      }),
    );
    expect(result).toEqual({
      code: 1,
      stdout:
        'deep import: imap/serve.ts imports store/open.ts (use store/index.ts)\n' +
        'deep import: imap/serve.ts imports store/types.ts (use store/index.ts)\n' +
        '2 import problems\n',
    });
  });

  it('fails on a runtime import cycle between modules', async () => {
    const result = await check(
      tree({
        ...CLEAN,
        'store/open.ts': "import { serve } from '../imap/index.js';\nexport function open() { return serve(); }\n",
      }),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('import cycle: ');
    expect(result.stdout).toMatch(/store\/open\.ts/);
  });

  it('fails on a cycle of type-only imports inside one module, not on one across modules', async () => {
    const inside = await check(
      tree({ ...CLEAN, 'store/types.ts': "import type { open } from './open.js';\nexport interface Row { readonly id: number; readonly from?: typeof open }\n" }),
    );
    expect(inside).toEqual({ code: 1, stdout: 'import cycle: store/open.ts → store/types.ts → store/open.ts\n1 import problems\n' });
    rmSync(root!, { recursive: true, force: true });
    const across = await check(
      tree({ ...CLEAN, 'store/types.ts': "import type { serve } from '../imap/index.js';\nexport interface Row { readonly id: number; readonly by?: typeof serve }\n" }),
    );
    expect(across).toEqual({ code: 0, stdout: 'imports ok: 6 files\n' });
  });

  it("fails on this repository's src/ after a commit that adds a deep import and a cycle, and passes again once it is reverted", { timeout: 180_000 }, async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'check-imports-repo-'));
    const src = path.join(root, 'src');
    cpSync(SRC, src, { recursive: true });
    await git(root, 'init', '-q');
    await git(root, 'add', '-A');
    await git(root, 'commit', '-q', '-m', 'src/ as it is');
    expect(await check(src)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^imports ok: \d+ files\n$/) });

    // A side door into the store's internals, and the store importing IMAP at run time (IMAP imports the store).
    writeFileSync(path.join(src, 'smtp/side-door.ts'), "import { SqliteMailStore } from '../store/sqlite-store.js';\nexport const sideDoor = SqliteMailStore;\n");
    appendFileSync(path.join(src, 'store/storage-full.ts'), "import '../imap/index.js';\n");
    await git(root, 'add', '-A');
    await git(root, 'commit', '-q', '-m', 'a deliberately bad commit');
    const bad = await check(src);
    expect(bad.code).toBe(1);
    const lines = bad.stdout.trimEnd().split('\n');
    expect(lines).toContain('deep import: smtp/side-door.ts imports store/sqlite-store.ts (use store/index.ts)');
    expect(lines.filter((line) => line.startsWith('import cycle: ') && line.includes('store/storage-full.ts') && line.includes('imap/index.ts'))).toHaveLength(1);
    expect(lines.at(-1)).toBe(`${lines.length - 1} import problems`);

    await git(root, 'revert', '--no-edit', 'HEAD');
    expect((await check(src)).code).toBe(0);
  });
});
