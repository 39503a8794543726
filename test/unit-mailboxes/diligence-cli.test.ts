import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliFixture, type CliFixture } from '../cli/cli-helpers.js';

/** `cantho-mail unit diligence` (docs/architecture.md "Unit mailboxes"): a unit's own reminder threshold and digest time, on record with the request document. */

let cli: CliFixture;

beforeAll(async () => {
  cli = createCliFixture();
  await cli.json(['unit', 'add', 'vpubnd', '--name', 'Văn phòng UBND thành phố', '--doc', '1/QĐ-UBND']);
});
afterAll(() => cli.remove());

describe('unit diligence', () => {
  it('shows the [units] settings, overrides them with a document, and resets', async () => {
    expect(await cli.run(['unit', 'diligence', 'vpubnd'])).toEqual({
      code: 0,
      stdout: 'vpubnd@cantho.gov.vn\treminder after 4 working hours\tdigest at 07:30\tsettings of [units]\n',
      stderr: '',
    });
    expect(await cli.json(['unit', 'diligence', 'vpubnd', '--hours', '2', '--digest', '08:15', '--doc', '12/QĐ-VP'])).toMatchObject({ reminderHours: 2, digestAt: 495, ownSettings: true });
    expect(await cli.json(['unit', 'diligence', 'vpubnd', '--digest', 'off', '--doc', '13/QĐ-VP'])).toMatchObject({ reminderHours: 2, digestAt: null });
    const audit = await cli.json(['audit', '--subject', 'vpubnd']);
    expect(audit.at(-1)).toMatchObject({ action: 'unit.diligence', doc: '13/QĐ-VP', before: { reminderHours: 2, digestAt: 495 }, after: { reminderHours: 2, digestAt: null } });
    expect(await cli.json(['unit', 'diligence', 'vpubnd', '--reset', '--doc', '14/QĐ-VP'])).toMatchObject({ reminderHours: 4, digestAt: 450, ownSettings: false });
  });

  it.each([
    [['unit', 'diligence', 'vpubnd', '--hours', 'bốn', '--doc', '15'], 'error: --hours must be a number of working hours, not "bốn"\n'],
    [['unit', 'diligence', 'vpubnd', '--digest', '25:00', '--doc', '15'], 'error: --digest must be a time like 07:30 or "off", not "25:00"\n'],
    [['unit', 'diligence', 'vpubnd', '--hours', '3', '--reset', '--doc', '15'], 'error: give --hours and/or --digest, or --reset alone\n'],
    [['unit', 'diligence', 'vpubnd', '--hours', '3'], 'error: missing --doc: every directory change needs the request document reference\n'],
    [['unit', 'diligence', 'khongco', '--hours', '3', '--doc', '15'], 'error: unknown unit "khongco"\n'],
  ])('refuses %j with one line and exit 1, changing nothing', async (args, stderr) => {
    const before = cli.dump();
    expect(await cli.run(args)).toEqual({ code: 1, stdout: '', stderr });
    expect(cli.dump()).toBe(before);
  });
});
