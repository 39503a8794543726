import { describe, expect, test } from 'vitest';
import { RUN_SIEVE, type SieveOutcome } from '../../src/sieve/index.js';
import { runSieveTask } from '../../src/sieve/evaluate.js';

/**
 * The delivery-time run (RFC 5228 §2.10 actions, §5 tests, RFC 5232/3894/5490/5230) as the worker
 * task runs it, on raw messages; evaluate.ts is the task's own file, called here in-thread.
 */
const MESSAGE = [
  'From: "Trần Bình" <Binh.Tran@Example.org>',
  'To: annv@cantho.gov.vn, other@example.org',
  'Subject: =?UTF-8?B?' + Buffer.from('Mời họp giao ban').toString('base64') + '?=',
  'Message-ID: <m1@example.org>',
  'X-Priority: 1',
  '',
  'Nội dung cuộc họp.',
  '',
].join('\r\n');

function run(script: string, options: { raw?: string; mailFrom?: string } = {}): SieveOutcome {
  const raw = Buffer.from(options.raw ?? MESSAGE);
  const headerSize = raw.indexOf('\r\n\r\n') + 4;
  const bodyText = raw.subarray(headerSize).toString('utf8').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  const [outcome] = runSieveTask({
    header: raw.subarray(0, headerSize),
    size: raw.length,
    bodyText,
    body: null,
    mailFrom: options.mailFrom ?? 'binh.tran@example.org',
    now: Date.now(),
    verdict: { spamtest: 1, spamPercent: 0, virustest: 1 },
    runs: [{ recipient: 'annv@cantho.gov.vn', script, ownAddresses: ['annv@cantho.gov.vn'], folders: [] }],
  });
  return outcome!;
}

function folders(outcome: SieveOutcome): Array<string | null> {
  if (outcome.kind !== 'plan') throw new Error(outcome.reason);
  return outcome.plan.filings.map((f) => f.folder);
}

describe('Sieve run', () => {
  test('RUN_SIEVE names this task', () => {
    expect(RUN_SIEVE.name).toBe('runSieveTask');
  });

  test('no action: implicit keep; fileinto cancels it, :copy does not', () => {
    expect(folders(run('if false { discard; }'))).toEqual([null]);
    expect(folders(run('require "fileinto"; fileinto "A";'))).toEqual(['A']);
    expect(folders(run('require ["fileinto", "copy"]; fileinto :copy "A";'))).toEqual(['A', null]);
    expect(folders(run('require "fileinto"; fileinto "A"; fileinto "A"; keep; keep;'))).toEqual(['A', null]);
    expect(folders(run('discard;'))).toEqual([]);
    expect(folders(run('stop; discard;'))).toEqual([null]);
  });

  test('header tests see decoded values; :is, :contains, :matches; comparators', () => {
    expect(folders(run('if header :is "subject" "Mời họp giao ban" { discard; }'))).toEqual([]);
    expect(folders(run('if header :contains "Subject" "HỌP" { discard; }'))).toEqual([null]); // ascii-casemap folds A–Z only
    expect(folders(run('if header :matches "subject" "M?i*ban" { discard; }'))).toEqual([]);
    expect(folders(run('if header :comparator "i;octet" :is "x-priority" "1" { discard; }'))).toEqual([]);
    expect(folders(run('if header :matches "subject" "\\\\*" { discard; }'))).toEqual([null]);
  });

  test('address parts, envelope, exists, size, anyof/allof/not', () => {
    expect(folders(run('if address :localpart :is "from" "binh.tran" { discard; }'))).toEqual([]);
    expect(folders(run('if address :domain :is "to" "cantho.gov.vn" { discard; }'))).toEqual([]);
    expect(folders(run('require "envelope"; if envelope :is "to" "annv@cantho.gov.vn" { discard; }'))).toEqual([]);
    expect(folders(run('require "envelope"; if envelope :is "from" "" { discard; }', { mailFrom: '' }))).toEqual([]);
    expect(folders(run('if allof (exists ["from", "to"], not exists "x-spam") { discard; }'))).toEqual([]);
    expect(folders(run('if anyof (size :over 1K, size :under 10) { discard; }'))).toEqual([null]);
    expect(folders(run('if size :under 1K { discard; }'))).toEqual([]);
  });

  test('body :contains matches the text folded for Vietnamese', () => {
    expect(folders(run('require "body"; if body :contains "cuộc họp" { discard; }'))).toEqual([]);
  });

  test('imap4flags: the internal variable, :flags, hasflag; invalid flags dropped', () => {
    const outcome = run('require ["imap4flags", "fileinto"]; addflag ["\\\\seen", "$Work bad(flag"]; if hasflag "$work" { fileinto :flags "\\\\Flagged" "A"; } removeflag "$Work";');
    expect(outcome.kind === 'plan' && outcome.plan.filings).toEqual([
      { folder: 'A', create: false, flags: ['\\Flagged'] },
    ]);
    const kept = run('require "imap4flags"; setflag "\\\\Seen $X";');
    expect(kept.kind === 'plan' && kept.plan.filings).toEqual([{ folder: null, create: false, flags: ['\\Seen', '$X'] }]);
  });

  test('redirects: the same address once; more than the limit is a run-time error (the caller keeps)', () => {
    const once = run('redirect "a@cantho.gov.vn"; redirect "a@cantho.gov.vn";');
    expect(once.kind === 'plan' && once.plan.redirects).toEqual([{ address: 'a@cantho.gov.vn' }]);
    const many = run(['a', 'b', 'c', 'd', 'e'].map((x) => `redirect "${x}@cantho.gov.vn";`).join(' '));
    expect(many).toMatchObject({ kind: 'error', reason: 'more than 4 redirects' });
  });

  test('a script that does not compile is an error outcome, not an exception', () => {
    expect(run('if {')).toMatchObject({ kind: 'error', reason: 'line 1:5: expected "}" to close the block, found the end of the script' });
  });

  test('vacation: addressed to the official, reply threaded; not when only Bcc', () => {
    const outcome = run('require "vacation"; vacation :subject "Vắng mặt" "Tôi nghỉ phép.";');
    expect(outcome).toMatchObject({
      kind: 'plan',
      vacation: { kind: 'reply', reply: { to: 'binh.tran@example.org', from: 'annv@cantho.gov.vn', subject: 'Vắng mặt', inReplyTo: '<m1@example.org>', references: '<m1@example.org>', periodSeconds: 7 * 86400 } },
    });
    const bcc = run('require "vacation"; vacation "x";', { raw: MESSAGE.replace('To: annv@cantho.gov.vn, ', 'To: ') });
    expect(bcc).toMatchObject({ kind: 'plan', vacation: { kind: 'none', why: 'recipient not in To/Cc' } });
    const spoofed = run('require "vacation"; vacation :from "giamdoc@cantho.gov.vn" "x";');
    expect(spoofed).toMatchObject({ vacation: { reply: { from: 'annv@cantho.gov.vn' } } });
    const own = run('require "vacation"; vacation :from "An <annv@cantho.gov.vn>" "x";');
    expect(own).toMatchObject({ vacation: { reply: { from: 'An <annv@cantho.gov.vn>' } } });
    const seconds = run('require ["vacation", "vacation-seconds"]; vacation :seconds 60 "x";');
    expect(seconds).toMatchObject({ vacation: { reply: { periodSeconds: 60 } } });
  });
});
