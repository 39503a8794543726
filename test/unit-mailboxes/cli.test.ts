import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliFixture, type CliFixture } from '../cli/cli-helpers.js';

/** `cantho-mail unit set-seen` (docs/architecture.md "Unit mailboxes", seen mode), run as an admin would, in its own process. */

let cli: CliFixture;

beforeAll(async () => {
  cli = createCliFixture();
  await cli.json(['unit', 'add', 'vpubnd', '--name', 'Văn phòng UBND thành phố', '--doc', '1/QĐ-UBND']);
});
afterAll(() => cli.remove());

describe('unit set-seen', () => {
  it('switches a unit between shared and private seen state, on record with its document', async () => {
    expect(await cli.json(['unit', 'show', 'vpubnd'])).toMatchObject({ seenMode: 'shared' });
    const text = await cli.run(['unit', 'set-seen', 'vpubnd', 'private', '--doc', '9/QĐ-VP']);
    expect(text).toEqual({ code: 0, stdout: 'vpubnd@cantho.gov.vn seen mode private\n', stderr: '' });
    expect(await cli.json(['unit', 'show', 'vpubnd'])).toMatchObject({ seenMode: 'private' });
    const audit = await cli.json(['audit', '--subject', 'vpubnd']);
    expect(audit.at(-1)).toMatchObject({ action: 'unit.set-seen', doc: '9/QĐ-VP', before: { seenMode: 'shared' }, after: { seenMode: 'private' } });
    expect(await cli.json(['unit', 'set-seen', 'vpubnd', 'shared', '--doc', '10/QĐ-VP'])).toMatchObject({ seenMode: 'shared' });
  });

  it.each([
    [['unit', 'set-seen', 'vpubnd', 'rieng', '--doc', '11'], 'error: seen mode must be "shared" or "private", not "rieng"\n'],
    [['unit', 'set-seen', 'vpubnd', 'shared', '--doc', '11'], 'error: vpubnd@cantho.gov.vn already has seen mode shared\n'],
    [['unit', 'set-seen', 'khongco', 'private', '--doc', '11'], 'error: unknown unit "khongco"\n'],
    [['unit', 'set-seen', 'vpubnd', 'private', '--doc', ' '], 'error: missing --doc: every directory change needs the request document reference\n'],
  ])('refuses %j with one line and exit 1, changing nothing', async (args, stderr) => {
    const before = cli.dump();
    expect(await cli.run(args)).toEqual({ code: 1, stdout: '', stderr });
    expect(cli.dump()).toBe(before);
  });
});
