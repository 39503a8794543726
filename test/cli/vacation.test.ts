import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSieve, MAIL_RULES_SCRIPT } from '../../src/sieve/index.js';
import { openDatabase, openSieveStore } from '../../src/store/index.js';
import { asAccountId } from '../../src/store/types.js';
import { createCliFixture, type CliFixture } from './cli-helpers.js';

/**
 * `cantho-mail person vacation` (DESIGN.md "CLI"): an admin switches an official's out-of-office
 * on and off with the request document; it is the same generated script as the web page's, and
 * each change is in the audit log; a hand-written script is refused and kept.
 */
let cli: CliFixture;
const ANNV = asAccountId('annv@cantho.gov.vn');

beforeAll(async () => {
  cli = createCliFixture();
  await cli.ok(['unit', 'add', 'vpubnd', '--name', 'Văn phòng UBND thành phố', '--doc', '1/QĐ-UBND']);
  await cli.ok(['person', 'add', '--name', 'Nguyễn Văn An', '--unit', 'vpubnd', '--doc', '2/QĐ-VP']);
  await cli.ok(['person', 'add', '--name', 'Trần Thị Đào', '--unit', 'vpubnd', '--doc', '3/QĐ-VP']);
});
afterAll(() => cli.remove());

async function activeScript(account: string): Promise<string | null> {
  const db = openDatabase(cli.database);
  try {
    return await openSieveStore(db).activeScript(asAccountId(account));
  } finally {
    db.close();
  }
}

describe('cantho-mail person vacation', () => {
  it('switches out-of-office on with the document, as a script the server compiles, and audits it', async () => {
    const on = await cli.json(['person', 'vacation', 'annv', 'on', '--subject', 'Đi công tác', '--message', 'Tôi đi công tác Hà Nội.', '--doc', '45/GM-VP']);
    expect(on).toEqual({ address: ANNV, enabled: true, start: null, end: null, subject: 'Đi công tác', message: 'Tôi đi công tác Hà Nội.' });
    const script = (await activeScript(ANNV))!;
    expect(script).toContain('vacation :subject "Đi công tác" "Tôi đi công tác Hà Nội.";');
    expect(compileSieve(script).commands.map((c) => c.kind)).toEqual(['vacation']);

    expect(await cli.json(['person', 'vacation', 'annv@cantho.gov.vn'])).toMatchObject({ enabled: true, subject: 'Đi công tác' });
    expect(await cli.ok(['person', 'vacation', 'annv', 'off', '--doc', '46/GM-VP'])).toBe(`out-of-office for ${ANNV} is off\n`);
    expect(await activeScript(ANNV)).not.toContain('vacation');

    const audit = (await cli.json(['audit', '--subject', ANNV])).filter((row: { action: string }) => row.action === 'sieve.vacation');
    expect(audit.map((row: { doc: string; detail: { after: { enabled: boolean } } }) => [row.doc, row.detail.after.enabled])).toEqual([
      ['45/GM-VP', true],
      ['46/GM-VP', false],
    ]);
  });

  it('refuses a change without --doc, a bad state, a bad date and a missing message, changing nothing', async () => {
    const before = cli.dump();
    const cases: Array<[string[], string]> = [
      [['person', 'vacation', 'daott', 'on', '--message', 'Vắng'], 'error: a change of out-of-office needs --doc <ref> (the request document)\n'],
      [['person', 'vacation', 'daott', 'maybe', '--doc', '5/GM'], 'error: state must be "on" or "off", not "maybe"\n'],
      [['person', 'vacation', 'daott', 'on', '--message', 'Vắng', '--from', '2026-02-30', '--doc', '5/GM'], 'error: --from must be a date YYYY-MM-DD\n'],
      [['person', 'vacation', 'daott', 'on', '--doc', '5/GM'], 'error: out-of-office needs a --message\n'],
      [['person', 'vacation', 'khongco', 'on', '--message', 'x', '--doc', '5/GM'], ''],
    ];
    for (const [args, stderr] of cases) {
      const result = await cli.run(args);
      expect(result.code, args.join(' ')).toBe(1);
      if (stderr !== '') expect(result.stderr).toBe(stderr);
      else expect(result.stderr).toMatch(/^error: .*khongco/);
    }
    expect(cli.dump()).toBe(before);
  });

  it('refuses to replace a hand-written active script', async () => {
    const db = openDatabase(cli.database);
    const sieve = openSieveStore(db);
    await sieve.putScript(asAccountId('daott@cantho.gov.vn'), 'rieng', 'keep;\n');
    await sieve.setActive(asAccountId('daott@cantho.gov.vn'), 'rieng');
    db.close();
    const result = await cli.run(['person', 'vacation', 'daott', 'on', '--message', 'Vắng', '--doc', '6/GM']);
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'error: the script "rieng" was written by hand; change it with a ManageSieve client, or deactivate it first\n' });
    expect(await activeScript('daott@cantho.gov.vn')).toBe('keep;\n');
    expect(await cli.json(['person', 'vacation', 'daott'])).toEqual({ address: 'daott@cantho.gov.vn', handWritten: 'rieng' });
    expect(MAIL_RULES_SCRIPT).toBe('trang-web');
  });
});
