import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compileSieve, datedOutOfOfficeSupported, NO_MAIL_RULES, readMailRules, renderMailRules, type MailRules } from '../../src/sieve/index.js';

/**
 * The page's rules as one generated Sieve script (src/sieve/mail-rules.ts): the script compiles
 * with the server's own Sieve, reads back to the same rules, and stops counting as generated
 * once someone edits it.
 */

const RULES: MailRules = {
  outOfOffice: { enabled: true, start: null, end: null, subject: 'Đang đi công tác', message: 'Tôi vắng mặt đến thứ Sáu.\nViệc gấp: gọi "văn phòng" \\ 0292.' },
  rules: [
    { field: 'subject', contains: 'Họp', action: { kind: 'move', folder: 'Công việc/Họp' } },
    { field: 'from', contains: 'bantin@', action: { kind: 'mark-read' } },
    { field: 'to', contains: 'vpubnd@', action: { kind: 'forward', address: 'binhlq@cantho.gov.vn' } },
  ],
};

describe('generated mail-rules script', () => {
  test('renders Sieve that compiles, with mark-read rules before any filing', () => {
    const script = renderMailRules(RULES);
    expect(script.split('\n').slice(2)).toEqual([
      'require ["fileinto", "mailbox", "imap4flags", "copy", "vacation"];',
      'if header :contains "from" "bantin@" {',
      '  addflag "\\\\Seen";',
      '}',
      'if header :contains "subject" "Họp" {',
      '  fileinto :create "Công việc/Họp";',
      '}',
      'if header :contains ["to", "cc"] "vpubnd@" {',
      '  redirect :copy "binhlq@cantho.gov.vn";',
      '}',
      'vacation :subject "Đang đi công tác" "Tôi vắng mặt đến thứ Sáu.',
      'Việc gấp: gọi \\"văn phòng\\" \\\\ 0292.";',
      '',
    ]);
    const program = compileSieve(script);
    const vacation = program.commands.find((c) => c.kind === 'vacation');
    expect(vacation?.kind === 'vacation' && vacation.spec.reason).toBe(RULES.outOfOffice.message);
  });

  test('reads back the rules of a generated script, and nothing from one edited by hand', () => {
    const script = renderMailRules(RULES);
    expect(readMailRules(script)).toEqual(RULES);
    expect(readMailRules(script.replace('"Họp" {', '"Hop" {'))).toBeNull();
    expect(readMailRules('require "fileinto";\nfileinto "A";\n')).toBeNull();
    expect(readMailRules(renderMailRules(NO_MAIL_RULES))).toEqual(NO_MAIL_RULES);
  });

  test('puts start and end dates in currentdate tests (RFC 5260) around vacation', () => {
    const script = renderMailRules({ rules: [], outOfOffice: { ...RULES.outOfOffice, start: '2026-12-01', end: '2026-12-10' } });
    expect(script).toContain('require ["vacation", "date", "relational"];');
    expect(script).toContain(
      'if allof (currentdate :zone "+0700" :value "ge" "date" "2026-12-01", currentdate :zone "+0700" :value "le" "date" "2026-12-10") {\n  vacation :subject',
    );
    // This server's Sieve compiles it once it knows `date` (RFC 5260); until then the page refuses dates.
    if (datedOutOfOfficeSupported()) expect(() => compileSieve(script)).not.toThrow();
  });

  test('any text typed into the page gives a script that compiles to exactly that text', () => {
    const typed = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 });
    fc.assert(
      fc.property(typed, typed, fc.string({ unit: 'grapheme', maxLength: 200 }), (contains, folder, message) => {
        const rules: MailRules = {
          outOfOffice: { enabled: true, start: null, end: null, subject: contains, message },
          rules: [{ field: 'subject', contains, action: { kind: 'move', folder } }],
        };
        const script = renderMailRules(rules);
        expect(readMailRules(script)).toEqual(rules);
        const program = compileSieve(script);
        const rule = program.commands[0];
        expect(rule?.kind === 'if' && rule.branches[0]!.test.kind === 'header' && rule.branches[0]!.test.match.keys).toEqual([contains]);
        expect(rule?.kind === 'if' && rule.branches[0]!.block[0]!.kind === 'fileinto' && rule.branches[0]!.block[0]!.folder).toBe(folder);
      }),
      { numRuns: 200 },
    );
  });
});
