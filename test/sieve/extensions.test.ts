import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { analyzeMessage } from '../../src/mime/index.js';
import { compileSieve, SieveSyntaxError, sieveVerdictValues, type SieveOutcome } from '../../src/sieve/index.js';
import { runSieveTask, type SieveTaskInput } from '../../src/sieve/evaluate.js';

/**
 * The extensions beyond RFC 5228 (docs/sieve.md "Extensions"), run the way the worker runs them:
 * variables (RFC 5229), relational (RFC 5231), date/index (RFC 5260), subaddress (RFC 5233),
 * spamtest/virustest (RFC 5235), mailboxexists (RFC 5490), body :raw/:content (RFC 5173),
 * reject/ereject (RFC 5429).
 */
const MESSAGE = [
  'From: "Trần Bình" <Binh.Tran+baocao@Example.org>',
  'To: annv@cantho.gov.vn, other@example.org',
  'Cc: a@example.org, b@example.org, c@example.org',
  'Subject: [so-tttt] Báo cáo tuần 48',
  'Date: Tue, 1 Dec 2026 23:30:00 -0500',
  'Received: from x by mx.cantho.gov.vn; Wed, 2 Dec 2026 04:31:00 +0000',
  'Received: from y by relay.example.org; Wed, 2 Dec 2026 04:30:40 +0000',
  'X-Priority: 2',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('Kính gửi: lịch họp mới.').toString('base64'),
  '--b1',
  'Content-Type: application/octet-stream',
  '',
  'BINARYDATA',
  '--b1--',
  '',
].join('\r\n');

interface RunOptions {
  readonly raw?: string;
  readonly mailFrom?: string;
  readonly now?: number;
  readonly verdict?: SieveTaskInput['verdict'];
  readonly folders?: readonly string[];
}

function run(script: string, options: RunOptions = {}): SieveOutcome {
  const raw = Buffer.from(options.raw ?? MESSAGE);
  const analysis = analyzeMessage(raw);
  const [outcome] = runSieveTask({
    header: raw.subarray(0, analysis.headerSize),
    size: raw.length,
    bodyText: analysis.searchText.body,
    body: { prefix: raw, structure: analysis.structure },
    mailFrom: options.mailFrom ?? 'binh.tran+baocao@example.org',
    now: options.now ?? Date.UTC(2026, 11, 2, 17, 30, 0),
    verdict: options.verdict ?? { spamtest: 1, spamPercent: 0, virustest: 1 },
    runs: [{ recipient: 'annv@cantho.gov.vn', script, ownAddresses: ['annv@cantho.gov.vn'], folders: options.folders ?? ['INBOX', 'Công việc'] }],
  });
  return outcome!;
}

function plan(outcome: SieveOutcome) {
  if (outcome.kind !== 'plan') throw new Error(outcome.reason);
  return outcome.plan;
}

function folders(outcome: SieveOutcome): Array<string | null> {
  return plan(outcome).filings.map((f) => f.folder);
}

/** Whether `test` holds: the script discards exactly when it does. */
function holds(requires: string, testText: string, options: RunOptions = {}): boolean {
  return folders(run(`require [${requires}]; if ${testText} { discard; }`, options)).length === 0;
}

function compileError(script: string): string {
  try {
    compileSieve(script);
  } catch (error) {
    if (error instanceof SieveSyntaxError) return error.message;
    throw error;
  }
  throw new Error('compiled');
}

describe('variables (RFC 5229)', () => {
  test('set with modifiers, in precedence order', () => {
    const script = (modifiers: string, value: string) =>
      `require ["variables", "fileinto"]; set ${modifiers} "v" "${value}"; fileinto "\${v}";`;
    expect(folders(run(script(':upper', 'họp')))).toEqual(['HỌP']);
    expect(folders(run(script(':lower :upperfirst', 'BÁO CÁO')))).toEqual(['Báo cáo']);
    expect(folders(run(script(':lowerfirst', 'ABC')))).toEqual(['aBC']);
    expect(folders(run(script(':length', 'Cần Thơ')))).toEqual(['7']);
    expect(folders(run(script(':quotewildcard', 'a*b?c\\\\\\\\')))).toEqual(['a\\*b\\?c\\\\\\\\']);
    expect(folders(run(script(':upper :length', 'abc')))).toEqual(['3']);
  });

  test('match variables from :matches: the first * takes as little as it can', () => {
    const outcome = run(
      'require ["variables", "fileinto"]; if header :matches "subject" "[*] * ?8" { fileinto "${1}/${2}/${3}"; } if header :matches "x-nothing" "*" { fileinto "no"; }',
    );
    expect(folders(outcome)).toEqual(['so-tttt/Báo cáo tuần/4']);
    expect(folders(run('require ["variables", "fileinto"]; if address :matches :domain "from" "*.org" { fileinto "${0}-${1}"; }'))).toEqual(['Example.org-Example']);
  });

  test('unknown variables are empty; text that is not a reference stays; names are case-insensitive', () => {
    expect(folders(run('require ["variables", "fileinto"]; set "Dept" "KH"; fileinto "A${dept}${missing}${a.b}$${x";'))).toEqual(['AKH$${x']);
  });

  test('variables in test keys, in vacation text and in redirect addresses', () => {
    expect(folders(run('require "variables"; set "k" "Báo"; if header :contains "subject" "${k}" { discard; }'))).toEqual([]);
    const outcome = plan(run('require ["variables", "vacation"]; set "who" "An"; vacation :subject "Vắng: ${who}" "${who} nghỉ phép";'));
    expect(outcome.vacation).toMatchObject({ subject: 'Vắng: An', reason: 'An nghỉ phép' });
    expect(plan(run('require "variables"; set "u" "binh"; redirect "${u}@cantho.gov.vn";')).redirects).toEqual([{ address: 'binh@cantho.gov.vn' }]);
    // A filled-in address that is not one is a run-time error: the message is kept.
    const bad = run('require "variables"; set "u" "not an address"; redirect "${u}";');
    expect(bad).toMatchObject({ kind: 'error' });
  });

  test('string test, and :count on it skips empty strings', () => {
    expect(holds('"variables"', 'string :is "${missing}" ""')).toBe(true);
    expect(holds('"variables", "relational"', 'string :count "eq" ["a", "", "b"] "2"')).toBe(true);
  });

  test('set and string need require "variables"; set names are identifiers', () => {
    expect(compileError('set "a" "b";')).toBe('line 1:1: set needs require "variables"');
    expect(compileError('require "variables"; set "1a" "b";')).toBe('line 1:26: "1a" is not a variable name');
    expect(compileError('require "variables"; set :lower :upper "a" "b";')).toBe('line 1:22: :lower and :upper cannot be used together');
  });
});

describe('relational (RFC 5231) and i;ascii-numeric (RFC 4790 §9.1)', () => {
  const rel = '"relational", "comparator-i;ascii-numeric"';
  test(':count counts addresses and fields', () => {
    expect(holds(rel, 'address :count "eq" :comparator "i;ascii-numeric" ["to", "cc"] "5"')).toBe(true);
    expect(holds(rel, 'header :count "ge" :comparator "i;ascii-numeric" "received" "3"')).toBe(false);
    expect(holds(rel, 'header :count "eq" :comparator "i;ascii-numeric" "received" "2"')).toBe(true);
  });

  test(':value orders numbers numerically and text by the comparator', () => {
    expect(holds(rel, 'header :value "lt" :comparator "i;ascii-numeric" "x-priority" "10"')).toBe(true);
    // As text, "2" comes after "10".
    expect(holds('"relational"', 'header :value "lt" "x-priority" "10"')).toBe(false);
    // Text that does not start with a digit is above every number.
    expect(holds(rel, 'header :value "gt" :comparator "i;ascii-numeric" "subject" "99999999999999999999999"')).toBe(true);
    expect(holds(rel, 'header :is :comparator "i;ascii-numeric" "x-priority" "002"')).toBe(true);
  });

  test('checked when the script is saved', () => {
    expect(compileError('require "relational"; if header :value "gt" :comparator "i;ascii-numeric" "x" "1" { stop; }')).toBe(
      'line 1:26: comparator "i;ascii-numeric" needs require "comparator-i;ascii-numeric"',
    );
    expect(compileError('require "relational"; if header :value "more" "x" "1" { stop; }')).toBe('line 1:26: relational operator "more" is not one of gt, ge, lt, le, eq, ne');
    expect(compileError('if header :count "eq" "x" "1" { stop; }')).toBe('line 1:11: header has no argument :count');
    expect(compileError(`require ${'["comparator-i;ascii-numeric"]'}; if header :contains :comparator "i;ascii-numeric" "x" "1" { stop; }`)).toBe(
      'line 1:44: comparator "i;ascii-numeric" cannot be used with :contains',
    );
  });
});

describe('date, currentdate and index (RFC 5260)', () => {
  test('date parts of the Date field in a zone, the original zone, and the server zone', () => {
    expect(holds('"date"', 'date :zone "+0700" "date" "date" "2026-12-02"')).toBe(true);
    expect(holds('"date"', 'date :zone "+0700" "date" "time" "11:30:00"')).toBe(true);
    expect(holds('"date"', 'date :originalzone "date" "date" "2026-12-01"')).toBe(true);
    expect(holds('"date"', 'date :originalzone "date" "zone" "-0500"')).toBe(true);
    expect(holds('"date"', 'date :zone "+0700" "date" "weekday" "3"')).toBe(true);
    expect(holds('"date"', 'date :zone "+0000" "date" "iso8601" "2026-12-02T04:30:00+00:00"')).toBe(true);
    expect(holds('"date"', 'date :zone "+0000" "date" "std11" "Wed, 02 Dec 2026 04:30:00 +0000"')).toBe(true);
    expect(holds('"date"', 'date :zone "+0000" "date" "julian" "61376"')).toBe(true);
    expect(holds('"date"', 'date "x-priority" "year" "2026"')).toBe(false);
  });

  test('currentdate ranges: the out-of-office shape of docs/sieve.md', () => {
    const period = 'allof (currentdate :zone "+0700" :value "ge" "date" "2026-12-03", currentdate :zone "+0700" :value "le" "date" "2026-12-31")';
    // 2 Dec 17:30 UTC is 3 Dec 00:30 in Việt Nam: inside; 2 Dec 16:59 UTC is still 2 Dec there.
    expect(holds('"date", "relational"', period)).toBe(true);
    expect(holds('"date", "relational"', period, { now: Date.UTC(2026, 11, 2, 16, 59) })).toBe(false);
    expect(holds('"date", "relational"', period, { now: Date.UTC(2026, 11, 31, 16, 59) })).toBe(true);
    expect(holds('"date", "relational"', period, { now: Date.UTC(2026, 11, 31, 17, 0) })).toBe(false);
    const vacation = plan(
      run(`require ["date", "relational", "vacation"]; if ${period} { vacation :days 7 :subject "Trả lời tự động: đang nghỉ phép" "Tôi đang nghỉ phép."; }`),
    );
    expect(vacation.vacation).toMatchObject({ subject: 'Trả lời tự động: đang nghỉ phép', periodSeconds: 7 * 86_400 });
  });

  test(':index and :last pick one occurrence; Received dates follow the last ";"', () => {
    expect(holds('"date", "index"', 'date :index 1 :zone "+0000" "received" "second" "00"')).toBe(true);
    expect(holds('"date", "index"', 'date :index 1 :last :zone "+0000" "received" "second" "40"')).toBe(true);
    expect(holds('"index"', 'header :index 2 :contains "received" "relay"')).toBe(true);
    expect(holds('"index"', 'header :index 3 :contains "received" ""')).toBe(false);
    expect(holds('"index"', 'address :index 1 :is "cc" "a@example.org"')).toBe(true);
  });

  test('checked when the script is saved', () => {
    expect(compileError('require "date"; if date :zone "7" "date" "year" "2026" { stop; }')).toBe('line 1:20: zone "7" is not of the form +hhmm or -hhmm');
    expect(compileError('require "date"; if date "date" "fortnight" "1" { stop; }')).toMatch(/date part "fortnight" is not one of year, month/);
    expect(compileError('require "date"; if currentdate :originalzone "year" "2026" { stop; }')).toBe('line 1:32: currentdate has no argument :originalzone');
    expect(compileError('require "index"; if header :last "x" "y" { stop; }')).toBe('line 1:21: :last needs :index');
    expect(compileError('if date "date" "year" "2026" { stop; }')).toBe('line 1:4: the date test needs require "date"');
  });
});

describe('subaddress (RFC 5233)', () => {
  test(':user and :detail split at "+"; no separator means no detail at all', () => {
    expect(holds('"subaddress"', 'address :user "from" "binh.tran"')).toBe(true);
    expect(holds('"subaddress"', 'address :detail "from" "baocao"')).toBe(true);
    expect(holds('"subaddress", "envelope"', 'envelope :detail "from" "baocao"')).toBe(true);
    expect(holds('"subaddress"', 'address :user "to" "annv"')).toBe(true);
    expect(holds('"subaddress"', 'address :detail :matches "to" "*"')).toBe(false);
    expect(holds('"subaddress", "envelope"', 'envelope :detail :matches "to" "*"')).toBe(false);
  });
});

describe('spamtest, spamtestplus and virustest (RFC 5235)', () => {
  const spam = '"spamtest", "relational", "comparator-i;ascii-numeric"';
  test('the verdict values, compared as numbers', () => {
    const junk = { spamtest: 6, spamPercent: 62, virustest: 1 };
    expect(holds(spam, 'spamtest :value "ge" :comparator "i;ascii-numeric" "5"', { verdict: junk })).toBe(true);
    expect(holds(spam, 'spamtest :value "ge" :comparator "i;ascii-numeric" "5"')).toBe(false);
    expect(holds('"spamtestplus", "relational", "comparator-i;ascii-numeric"', 'spamtest :percent :value "gt" :comparator "i;ascii-numeric" "60"', { verdict: junk })).toBe(true);
    // RFC 5235 §3.3: an untested message matches no :percent test.
    expect(holds('"spamtestplus"', 'spamtest :percent :is "0"', { verdict: { spamtest: 0, spamPercent: 0, virustest: 0 } })).toBe(false);
    expect(holds('"virustest"', 'virustest :is "1"')).toBe(true);
    expect(holds('"virustest"', 'virustest :is "0"', { verdict: { spamtest: 1, spamPercent: 0, virustest: 0 } })).toBe(true);
  });

  test(':percent needs spamtestplus; one value', () => {
    expect(compileError('require "spamtest"; if spamtest :percent "50" { stop; }')).toBe('line 1:33: spamtest has no argument :percent');
    expect(compileError('require "spamtest"; if spamtest ["1", "2"] { stop; }')).toBe('line 1:24: spamtest takes one value');
  });
});

describe('mailboxexists (RFC 5490 §3.1)', () => {
  test('every named folder of the recipient exists; INBOX in any case', () => {
    expect(holds('"mailbox"', 'mailboxexists ["Công việc", "inbox"]')).toBe(true);
    expect(holds('"mailbox"', 'mailboxexists ["Công việc", "Họp"]')).toBe(false);
    expect(holds('"mailbox", "variables"', 'allof (true, mailboxexists "Công việc")', { folders: [] })).toBe(false);
  });
});

describe('body :raw and :content (RFC 5173 §5)', () => {
  test(':raw sees the encoded body, :content the decoded parts of the types asked for', () => {
    expect(holds('"body"', 'body :raw :contains "Content-Transfer-Encoding: base64"')).toBe(true);
    expect(holds('"body"', 'body :raw :contains "lịch họp"')).toBe(false);
    expect(holds('"body"', 'body :content "text/plain" :contains "lịch họp"')).toBe(true);
    expect(holds('"body"', 'body :content "text" :contains "lịch họp"')).toBe(true);
    expect(holds('"body"', 'body :content "text" :contains "BINARYDATA"')).toBe(false);
    expect(holds('"body"', 'body :content "application/octet-stream" :contains "BINARYDATA"')).toBe(true);
    expect(holds('"body"', 'body :content "" :contains "BINARYDATA"')).toBe(true);
    expect(compileError('require "body"; if body :raw :text "x" { stop; }')).toBe('line 1:20: :text, :raw and :content cannot be used together');
  });
});

describe('reject and ereject (RFC 5429)', () => {
  test('a refusal cancels the implicit keep and carries its reason', () => {
    const refused = plan(run('require "reject"; reject "Không nhận thư quảng cáo.";'));
    expect(refused).toMatchObject({ filings: [], redirects: [], reject: { reason: 'Không nhận thư quảng cáo.', extended: false } });
    expect(plan(run('require "ereject"; if header :contains "subject" "Báo cáo" { ereject "no"; }')).reject).toEqual({ reason: 'no', extended: true });
  });

  test('refusing and filing, or refusing twice, keeps the message (a run-time error)', () => {
    expect(run('require ["reject", "fileinto"]; fileinto "A"; reject "no";')).toMatchObject({ kind: 'error', reason: 'reject cannot be combined with keep, fileinto or redirect' });
    expect(run('require ["reject", "ereject"]; reject "a"; ereject "b";')).toMatchObject({ kind: 'error', reason: 'reject or ereject ran twice' });
  });

  test('whether the sender may hear of it (RFC 3834 §2)', () => {
    expect(run('require "reject"; reject "no";')).toMatchObject({ mayNotifySender: true });
    expect(run('require "reject"; reject "no";', { mailFrom: '' })).toMatchObject({ mayNotifySender: false });
    expect(run('require "reject"; reject "no";', { raw: 'Auto-Submitted: auto-replied\r\nSubject: x\r\n\r\nhi\r\n' })).toMatchObject({ mayNotifySender: false });
  });

  test('needs its require', () => {
    expect(compileError('reject "no";')).toBe('line 1:1: reject needs require "reject"');
  });
});

describe('our verdict as RFC 5235 values (docs/sieve.md "Spam and virus tests")', () => {
  const verdict = (score: number, action: 'accept' | 'junk' = 'accept', virus = 'Clean') => ({
    action,
    score,
    reasons: [],
    addHeaders: [['X-Virus-Status', virus]] as Array<[string, string]>,
    subjectTag: null,
    thresholds: { junk_at: 5, reject_at: 15 },
  });
  test('5 is exactly where the filters move mail to Junk; :percent puts junk_at at 50', () => {
    const values = (score: number) => sieveVerdictValues(verdict(score));
    expect([-3, 0, 0.1, 2.5, 4.99, 5, 10, 14.99, 15].map((s) => values(s).spamtest)).toEqual([1, 1, 2, 3, 4, 5, 7, 9, 10]);
    expect([-3, 0.1, 4.99, 5, 10, 14.99, 15].map((s) => values(s).spamPercent)).toEqual([0, 1, 49, 50, 75, 99, 100]);
    expect(sieveVerdictValues(verdict(1, 'junk'))).toEqual({ spamtest: 5, spamPercent: 50, virustest: 1 });
  });

  test('not scored is 0; not scanned is virustest 0', () => {
    const { thresholds: _, ...unscored } = verdict(0);
    expect(sieveVerdictValues(unscored)).toEqual({ spamtest: 0, spamPercent: 0, virustest: 1 });
    expect(sieveVerdictValues(verdict(0, 'accept', 'Unchecked')).virustest).toBe(0);
  });
});

describe('extension fuzz', () => {
  const REQUIRE = 'require ["variables", "relational", "comparator-i;ascii-numeric", "date", "index", "subaddress", "spamtestplus", "virustest", "mailbox", "body", "reject", "fileinto"];\n';
  const alphabet = fc.constantFrom(
    'if', 'set', 'string', 'date', 'currentdate', 'spamtest', 'virustest', 'mailboxexists', 'body', 'reject', 'ereject', 'fileinto', 'header', 'address', 'anyof',
    ':value', ':count', '"ge"', '"eq"', ':comparator', '"i;ascii-numeric"', ':zone', '"+0700"', ':originalzone', ':index', '1', ':last', ':user', ':detail',
    ':percent', ':raw', ':content', ':matches', ':lower', ':length', ':quotewildcard', '"date"', '"year"', '"${1}"', '"${v}"', '"v"', '"*?\\\\"', '"${"', '"$"',
    '[', ']', '(', ')', '{', '}', ',', ';', ' ', '\n',
  );

  test('any script of these words compiles with a positioned error, or runs to a plan or a kept message', () => {
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }), (tokens) => {
        const script = REQUIRE + tokens.join(' ');
        try {
          compileSieve(script);
        } catch (error) {
          expect(error).toBeInstanceOf(SieveSyntaxError);
          return;
        }
        expect(['plan', 'error']).toContain(run(script).kind);
      }),
      { numRuns: 1500 },
    );
  });

  test('a Date field of any text gives a date or no value, never a failure', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (date) => {
        const raw = `Date: ${date.replace(/[\r\n]/g, ' ')}\r\nSubject: x\r\n\r\nhi\r\n`;
        expect(run('require ["date", "variables", "fileinto"]; if date :originalzone "date" "iso8601" "*" { fileinto "x"; }', { raw }).kind).toBe('plan');
      }),
      { numRuns: 1000 },
    );
  });
});
