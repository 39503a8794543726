/**
 * `npm run bench -- sieve [--messages N]`: what a Sieve run costs per message, in-thread (the
 * worker task's own function, src/sieve/evaluate.ts), for a typical filter script and for a
 * hostile one that spends the whole matching budget (how long one script can hold a worker
 * before the message is kept), and for one that uses the extensions (variables, relational,
 * date, body :content over the message's parts). No reference server: Dovecot's Pigeonhole is
 * not installed here.
 */
import { performance } from 'node:perf_hooks';
import { analyzeMessage } from '../src/mime/index.js';
import { runSieveTask } from '../src/sieve/evaluate.js';

const TYPICAL = [
  'require ["fileinto", "mailbox", "imap4flags", "body", "vacation"];',
  'if header :contains "subject" ["họp", "giao ban"] { fileinto :create "Họp"; stop; }',
  'if address :domain :is "from" ["example.org", "partner.gov.vn"] { addflag "$Doitac"; }',
  'if anyof (header :matches "list-id" "*", exists "precedence") { fileinto "Danh sách"; stop; }',
  'if body :contains "khẩn" { addflag "\\\\Flagged"; }',
  'vacation :days 3 "Tôi đang đi công tác.";',
].join('\n');
const EXTENDED = [
  'require ["variables", "relational", "comparator-i;ascii-numeric", "date", "body", "fileinto", "mailbox", "spamtest", "vacation"];',
  'if header :matches "subject" "* tuần*" { set :lower "kind" "${1}"; }',
  'if address :count "ge" :comparator "i;ascii-numeric" ["to", "cc"] "3" { fileinto :create "Nhiều người nhận"; }',
  'if spamtest :value "ge" :comparator "i;ascii-numeric" "5" { fileinto "Junk"; stop; }',
  'if body :content "text/plain" :contains "khẩn" { fileinto :create "Khẩn/${kind}"; }',
  'if allof (currentdate :zone "+0700" :value "ge" "date" "2026-01-01", currentdate :zone "+0700" :value "le" "date" "2099-12-31") { vacation :days 3 "Tôi đang đi công tác."; }',
].join('\n');
const HOSTILE = `if header :matches "x-long" "*${'a'.repeat(2000)}b" { discard; }`;

function message(extraHeader: string): Buffer {
  const body = 'Kính gửi anh chị,\r\nNội dung báo cáo tuần, không khẩn.\r\n'.repeat(200);
  return Buffer.from(`From: Dân <dan@example.org>\r\nTo: annv@cantho.gov.vn\r\nSubject: Báo cáo tuần\r\nMessage-ID: <b@example.org>\r\n${extraHeader}\r\n${body}`);
}

function measure(label: string, raw: Buffer, script: string, count: number): void {
  const analysis = analyzeMessage(raw);
  const input = {
    header: raw.subarray(0, analysis.headerSize),
    size: raw.length,
    bodyText: analysis.searchText.body,
    body: { prefix: raw, structure: analysis.structure },
    mailFrom: 'dan@example.org',
    now: Date.now(),
    verdict: { spamtest: 1, spamPercent: 0, virustest: 1 },
    runs: [{ recipient: 'annv@cantho.gov.vn', script, ownAddresses: ['annv@cantho.gov.vn'], folders: [] }],
  };
  runSieveTask(input);
  const start = performance.now();
  let outcome = '';
  for (let i = 0; i < count; i++) outcome = runSieveTask(input)[0]!.kind;
  const perRun = (performance.now() - start) / count;
  console.log(`${label.padEnd(34)} ${perRun.toFixed(3).padStart(9)} ms/run  (${count} runs, outcome ${outcome}, ${raw.length} bytes)`);
}

export async function run(args: string[]): Promise<void> {
  const at = args.indexOf('--messages');
  const count = at >= 0 ? Number(args[at + 1]) : 2000;
  measure('typical script, 14 KB message', message(''), TYPICAL, count);
  measure('extensions script, 14 KB message', message(''), EXTENDED, count);
  measure('hostile :matches, budget spent', message(`X-Long: ${'a'.repeat(60_000)}\r\n`), HOSTILE, Math.max(1, Math.floor(count / 200)));
}
