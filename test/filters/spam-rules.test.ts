import { mkdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { DnsResolver } from '../../src/context.js';
import { createFilterPipeline, type RunningFilterPipeline } from '../../src/filters/pipeline.js';
import { violationFromVerdict } from '../../src/filters/violation.js';
import { captureLogger, compose, inbound, outbound, plain, tempDir, testConfig, writeRules } from './support.js';

/** The rules engine through the whole pipeline (virus scanning off here; see virus.test.ts). */

const temp = tempDir();
const open: RunningFilterPipeline[] = [];
let fileNo = 0;

function pipelineWith(rules: string, options: { resolver?: DnsResolver; thresholds?: string; logger?: ReturnType<typeof captureLogger>['logger'] } = {}) {
  const dir = `${temp.dir}/${fileNo++}`;
  mkdirSync(dir);
  const file = writeRules(dir, rules, options.thresholds);
  const p = createFilterPipeline(testConfig(file), {
    logger: options.logger ?? captureLogger().logger,
    resolver: options.resolver ?? (async () => []),
    bayes: null,
    virus: false,
    watchRules: false,
  });
  open.push(p);
  return p;
}

afterAll(() => {
  for (const p of open) p.close();
  temp.cleanup();
});

function rule(id: string, score: number, body: string): string {
  return `[[rule]]\nid = "${id}"\ndescription = "${id.toLowerCase()}"\nscore = ${score}\n${body}\n\n`;
}

describe('spam rules: matching', () => {
  it('with fold = true, matches Vietnamese with or without diacritics, in any case', async () => {
    const p = pipelineWith(rule('VN_KM', 2, 'target = "body"\nwords = ["khuyến mãi"]\nfold = true') + rule('VN_KM_EXACT', 1, 'target = "body"\nwords = ["khuyến mãi"]'));
    const ids = async (body: string) => (await p.check(plain('x', body), inbound())).reasons.map((r) => r.id);
    expect(await ids('Chương trình khuyến mãi lớn')).toEqual(['spam:VN_KM', 'spam:VN_KM_EXACT']);
    expect(await ids('Chuong trinh KHUYEN MAI lon')).toEqual(['spam:VN_KM']);
    expect(await ids('KHUYẾN MÃI')).toEqual(['spam:VN_KM', 'spam:VN_KM_EXACT']);
    // Whole words only: "khuyến mãii" is not the phrase.
    expect(await ids('khuyến mãii')).toEqual([]);
  });

  it('folds the non-ASCII letters of a regex too, keeping its escapes', async () => {
    const p = pipelineWith(rule('VN_VAY', 3, 'target = "subject"\nregex = "vay\\\\s+tiền\\\\S*"\nfold = true'));
    expect((await p.check(plain('VAY TIEN nhanh', 'x'), inbound())).reasons.map((r) => r.id)).toEqual(['spam:VN_VAY']);
  });

  it('reads decoded, HTML-stripped body text for "body" and the undecoded bytes for "rawbody"', async () => {
    const p = pipelineWith(
      rule('BODY_LOAN', 2, 'target = "body"\nwords = ["vay tiền nhanh"]\nfold = true') +
        rule('RAW_BASE64', 1, 'target = "rawbody"\nregex = "[A-Za-z0-9+/]{60,}"') +
        rule('NO_TAGS', 5, 'target = "body"\nregex = "<b>"'),
    );
    const raw = await compose({ html: '<p>Dịch vụ <b>vay tiền</b>   nhanh, <i>giải ngân</i> trong ngày</p>', text: undefined });
    const verdict = await p.check(raw, inbound());
    expect(verdict.reasons.map((r) => r.id).sort()).toEqual(['spam:BODY_LOAN']);
    const b64 = Buffer.from(
      `From: a@example.net\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from('Dịch vụ vay tiền nhanh, giải ngân trong ngày không cần thế chấp').toString('base64')}\r\n`,
    );
    expect((await p.check(b64, inbound())).reasons.map((r) => r.id).sort()).toEqual(['spam:BODY_LOAN', 'spam:RAW_BASE64']);
  });

  it('matches a named header, From, URLs, attachment names and types, auth results and size', async () => {
    const p = pipelineWith(
      rule('MAILER', 1, 'target = "header"\nheader = "X-Mailer"\nregex = "phpmailer"') +
        rule('FROM_FREEMAIL', 1, 'target = "from"\nregex = "@gmail\\\\.com"') +
        rule('SHORT', 1, 'target = "url"\nregex = "^https?://bit\\\\.ly/"') +
        rule('EXE', 1, 'target = "attachment_name"\nregex = "\\\\.exe$"') +
        rule('ZIP', 1, 'target = "attachment_type"\nwords = ["application/zip"]') +
        rule('DMARC', 1, 'target = "auth"\nmethod = "dmarc"\nvalues = ["fail"]') +
        rule('BIG', 1, 'target = "size"\nmin = "1KB"'),
    );
    const raw = await compose({
      from: 'Ngân hàng <nganhang.vn@gmail.com>',
      headers: { 'X-Mailer': 'PHPMailer 6.0' },
      text: 'Xác minh tại https://bit.ly/abc123 ngay.',
      attachments: [
        { filename: 'hoa_don.exe', content: Buffer.alloc(2000) },
        { filename: 'a.zip', content: Buffer.alloc(10), contentType: 'application/zip' },
      ],
    });
    const auth = { spf: 'pass', dkim: 'none', dmarc: 'fail' };
    const verdict = await p.check(raw, inbound({ auth }));
    expect(verdict.reasons.map((r) => r.id)).toEqual(['spam:MAILER', 'spam:FROM_FREEMAIL', 'spam:SHORT', 'spam:EXE', 'spam:ZIP', 'spam:DMARC', 'spam:BIG']);
    expect(verdict.score).toBe(7);
  });

  it('reads the words of inline text parts only: a text file attached is an attachment, named as decoded', async () => {
    const p = pipelineWith(
      rule('BODY', 1, 'target = "body"\nwords = ["trúng thưởng"]') +
        rule('ATTACHED_WORDS', 1, 'target = "body"\nwords = ["mật khẩu"]') +
        rule('NAME', 1, 'target = "attachment_name"\nwords = ["hóa đơn.txt"]') +
        rule('TYPE', 1, 'target = "attachment_type"\nwords = ["text/plain"]'),
    );
    const raw = await compose({
      text: 'Bạn đã trúng thưởng.',
      html: '<p>Bạn đã <b>trúng thưởng</b>.</p>',
      attachments: [{ filename: 'hóa đơn.txt', content: 'mật khẩu: 123456', contentType: 'text/plain' }],
    });
    const verdict = await p.check(raw, inbound());
    expect(verdict.reasons.map((r) => r.id)).toEqual(['spam:BODY', 'spam:NAME', 'spam:TYPE']);
  });

  it('runs direction-specific rules only in their direction; auth rules need inbound auth results', async () => {
    const p = pipelineWith(
      rule('IN_ONLY', 1, 'target = "body"\nwords = ["x"]\ndirection = "inbound"') +
        rule('OUT_ONLY', 2, 'target = "body"\nwords = ["x"]\ndirection = "outbound"') +
        rule('SPF', 4, 'target = "auth"\nmethod = "spf"\nvalues = ["fail"]'),
    );
    expect((await p.check(plain('s', 'x'), inbound())).reasons.map((r) => r.id)).toEqual(['spam:IN_ONLY']);
    expect((await p.check(plain('s', 'x'), outbound())).reasons.map((r) => r.id)).toEqual(['spam:OUT_ONLY']);
  });
});

describe('spam rules: thresholds, headers and replies', () => {
  const rules = rule('SIX', 6, 'target = "subject"\nwords = ["six"]') + rule('THREE', 3, 'target = "subject"\nwords = ["three"]') + rule('HAM', -1.5, 'target = "from"\nregex = "@cantho\\\\.gov\\\\.vn"');

  it('accepts below junk_at with X-Spam-Score and X-Spam-Status: No', async () => {
    const verdict = await pipelineWith(rules).check(plain('three', 'x'), inbound());
    expect(verdict).toEqual({
      action: 'accept',
      score: 3,
      reasons: [{ id: 'spam:THREE', score: 3, description: 'three' }],
      addHeaders: [
        ['X-Spam-Score', '3.0'],
        ['X-Spam-Status', 'No, score=3.0 junk_at=5 reject_at=10 tests=THREE=3'],
      ],
      subjectTag: null,
      thresholds: { junk_at: 5, reject_at: 10 },
    });
  });

  it('sends to Junk at junk_at and tags the subject at tag_subject_at', async () => {
    const p = pipelineWith(rules);
    const junk = await p.check(plain('six', 'x'), inbound());
    expect(junk.action).toBe('junk');
    expect(junk.subjectTag).toBeNull();
    expect(junk.addHeaders).toContainEqual(['X-Spam-Status', 'Yes, score=6.0 junk_at=5 reject_at=10 tests=SIX=6']);
    const tagged = await p.check(plain('six three', 'x'), inbound());
    expect(tagged).toMatchObject({ action: 'junk', score: 9, subjectTag: '[SPAM]' });
  });

  it('refuses at reject_at: 550 5.7.1 inbound, 554 5.7.1 for an official sending out', async () => {
    const p = pipelineWith(rules + rule('MORE', 2, 'target = "body"\nwords = ["more"]'));
    const spam = plain('six three', 'more');
    expect((await p.check(spam, inbound())).reply).toEqual({ code: 550, enhanced: '5.7.1', text: 'Message refused as spam (score 11)' });
    const out = await p.check(spam, outbound());
    expect(out.action).toBe('reject');
    expect(out.reply).toEqual({ code: 554, enhanced: '5.7.1', text: 'Message refused as spam (score 11)' });
    // What SMTP records as the official's violation: rule ids with their scores.
    expect(out.reasons.map((r) => `${r.id}=${r.score}`)).toEqual(['spam:SIX=6', 'spam:THREE=3', 'spam:MORE=2']);
  });

  it('adds negative scores', async () => {
    const verdict = await pipelineWith(rules).check(Buffer.from('From: An <annv@cantho.gov.vn>\r\nSubject: six\r\n\r\nx\r\n'), inbound());
    expect(verdict).toMatchObject({ action: 'accept', score: 4.5 });
  });
});

describe('allow and block lists', () => {
  const lists = `[allow]\naddresses = ["partner@example.org"]\ndomains = ["mof.gov.vn"]\nips = ["2001:db8:10::/48"]\n\n[block]\ndomains = ["spam.example"]\nips = ["198.51.100.0/24"]\n\n`;
  const spammy = rule('SPAMMY', 20, 'target = "subject"\nwords = ["win"]');

  it('skips spam scoring for an allowed envelope sender domain (and its subdomains) or IPv6 network', async () => {
    const p = pipelineWith(lists + spammy);
    const a = await p.check(plain('win', 'x'), inbound({ mailFrom: 'vanthu@hanoi.mof.gov.vn' }));
    expect(a).toMatchObject({ action: 'accept', score: 0, reasons: [{ id: 'allow', description: 'allowed by local policy: domain mof.gov.vn' }] });
    expect(a.addHeaders).toContainEqual(['X-Spam-Status', 'No, score=0.0 junk_at=5 reject_at=10 tests=allow=0']);
    const b = await p.check(plain('win', 'x'), inbound({ remoteIp: '2001:db8:10:ff::25' }));
    expect(b.reasons[0]!.description).toBe('allowed by local policy: ip 2001:db8:10:ff::25');
    // The From: header alone does not allow: anyone can write it.
    const c = await p.check(Buffer.from('From: partner@example.org\r\nSubject: win\r\n\r\nx\r\n'), inbound());
    expect(c.action).toBe('reject');
  });

  it('refuses a blocked From: domain or IPv4 network (also as an IPv4-mapped IPv6 address) with 550 5.7.1', async () => {
    const p = pipelineWith(lists);
    const reply = { code: 550, enhanced: '5.7.1', text: 'Sender blocked by local policy' };
    const byHeader = await p.check(Buffer.from('From: x@mail.spam.example\r\nSubject: hi\r\n\r\nx\r\n'), inbound());
    expect(byHeader.reply).toEqual(reply);
    expect(byHeader.reasons[0]!.description).toBe('blocked by local policy: domain spam.example');
    const byIp = await p.check(plain('hi', 'x'), inbound({ remoteIp: '::ffff:198.51.100.77' }));
    expect(byIp.reasons[0]!.description).toBe('blocked by local policy: ip 198.51.100.77');
  });
});

describe('DNSBL rules', () => {
  const zen = rule('DNSBL_TEST', 5, 'target = "dnsbl"\nzone = "bl.example"\nanswers = ["127.0.0.2"]');

  it('asks the injected resolver with the reversed address, scores a listing and caches the answer', async () => {
    const asked: string[] = [];
    const resolver: DnsResolver = async (name) => {
      asked.push(name);
      if (name === '7.113.0.203.bl.example') return ['127.0.0.2'];
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    };
    const p = pipelineWith(zen, { resolver });
    expect((await p.check(plain('s', 'x'), inbound())).reasons.map((r) => r.id)).toEqual(['spam:DNSBL_TEST']);
    await p.check(plain('s', 'x'), inbound());
    expect(asked).toEqual(['7.113.0.203.bl.example']);
    expect((await p.check(plain('s', 'x'), inbound({ remoteIp: '2001:db8::1' }))).reasons).toEqual([]);
    expect(asked[1]).toBe('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.example');
  });

  it('never asks about loopback, private or link-local clients', async () => {
    const asked: string[] = [];
    const p = pipelineWith(zen, { resolver: async (name) => (asked.push(name), ['127.0.0.2']) });
    for (const remoteIp of ['127.0.0.1', '10.1.2.3', '192.168.1.5', '::1', 'fd00::5', '::ffff:172.16.0.9']) {
      expect((await p.check(plain('s', 'x'), inbound({ remoteIp }))).reasons).toEqual([]);
    }
    expect(asked).toEqual([]);
  });

  it('does not count an answer outside the listed ones, and skips outbound mail', async () => {
    const p = pipelineWith(zen, { resolver: async () => ['127.0.0.10'] });
    expect((await p.check(plain('s', 'x'), inbound())).reasons).toEqual([]);
    const q = pipelineWith(zen, { resolver: async () => ['127.0.0.2'] });
    expect((await q.check(plain('s', 'x'), outbound())).reasons).toEqual([]);
  });

  it('gives up on a resolver that never answers after timeout_ms, counts it as not listed and logs it', async () => {
    const { logger, lines } = captureLogger();
    const p = pipelineWith(`[dnsbl]\ntimeout_ms = 200\n\n${zen}`, { resolver: () => new Promise(() => undefined), logger });
    // Answering at all shows the timeout: the resolver never does.
    const verdict = await p.check(plain('s', 'x'), inbound());
    expect(verdict.action).toBe('accept');
    expect(verdict.reasons).toEqual([]);
    expect(lines.find((l) => l.msg === 'DNSBL lookup timed out')).toMatchObject({ level: 40, query: '7.113.0.203.bl.example', timeoutMs: 200 });
  });
});

describe('hostile messages', () => {
  const subjectRule = rule('SUBJ', 1, 'target = "subject"\nwords = ["khuyến mãi"]\nfold = true');

  it('scores a message with 5,000 MIME parts from its raw text, flagged MIME_UNPARSABLE', async () => {
    const parts = Array.from({ length: 5000 }, (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join('');
    const raw = Buffer.from(`From: a@example.net\r\nSubject: Khuyen mai\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${parts}--b--\r\n`);
    const started = Date.now();
    const verdict = await pipelineWith(subjectRule + rule('PART', 1, 'target = "body"\nwords = ["part 4999"]')).check(raw, inbound());
    console.log(`5,000 MIME parts scored in ${Date.now() - started} ms`);
    expect(verdict.reasons.map((r) => `${r.id}=${r.score}`)).toEqual(['spam:MIME_UNPARSABLE=3', 'spam:SUBJ=1', 'spam:PART=1']);
    expect(verdict.reasons[0]!.description).toBe('MIME structure not parsable: more than 1000 MIME parts');
  });

  it('handles a 20 MB single-line body (time printed)', async () => {
    const raw = Buffer.concat([Buffer.from('From: a@example.net\r\nSubject: khuyến mãi\r\n\r\n'), Buffer.alloc(20 * 1024 * 1024, 'a'), Buffer.from('\r\n')]);
    const started = Date.now();
    const verdict = await pipelineWith(subjectRule + rule('LONG', 1, 'target = "body"\nregex = "a{1000}"') + rule('RAW', 1, 'target = "rawbody"\nregex = "(a|b)+$"')).check(raw, inbound());
    console.log(`20 MB single-line body scored in ${Date.now() - started} ms`);
    expect(verdict.reasons.map((r) => r.id)).toEqual(['spam:SUBJ', 'spam:LONG', 'spam:RAW']);
  });

  it('still reads the words of an HTML body padded beyond the HTML-to-text limit', async () => {
    const padding = '<div style="display:none">' + 'x '.repeat(1024 * 1024) + '</div>';
    const raw = Buffer.from(`From: a@example.net\r\nSubject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Khuyến <b>mãi</b> lớn</p>${padding}\r\n`);
    const verdict = await pipelineWith(rule('KM', 2, 'target = "body"\nwords = ["khuyến mãi"]\nfold = true')).check(raw, inbound());
    expect(verdict.reasons.map((r) => r.id)).toEqual(['spam:KM']);
  });

  it('decodes what it can of broken base64 and keeps going', async () => {
    const good = Buffer.from('Khuyến mãi cực lớn hôm nay').toString('base64');
    const raw = Buffer.from(`From: a@example.net\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${good}\r\n!!!@@@###%%%\r\nnot*base64*at*all===\r\n`);
    const verdict = await pipelineWith(rule('KM', 2, 'target = "body"\nwords = ["khuyến mãi"]\nfold = true')).check(raw, inbound());
    expect(verdict.reasons.map((r) => r.id)).toEqual(['spam:KM']);
  });
});

describe('violations from outbound refusals', () => {
  it('turns an outbound spam refusal into a violation of the authenticated official, naming the rules', async () => {
    const p = pipelineWith(rule('SIX', 6, 'target = "subject"\nwords = ["six"]') + rule('FIVE', 5, 'target = "body"\nwords = ["five"]'));
    const context = outbound();
    const verdict = await p.check(plain('six', 'five'), context);
    expect(violationFromVerdict(verdict, context)).toEqual({
      address: 'annv@cantho.gov.vn',
      reason: 'sent spam (score 11: SIX=6, FIVE=5)',
      serious: false,
      source: 'filter',
    });
    // The same message coming in is refused, but it is not one of our officials' violations.
    expect(violationFromVerdict(await p.check(plain('six', 'five'), inbound()), inbound())).toBeNull();
  });

  it('makes a virus sent by an official a serious violation', () => {
    const verdict = {
      action: 'reject' as const,
      score: 0,
      reasons: [{ id: 'virus', score: 0, description: 'virus found: Test.EICAR.UNOFFICIAL' }],
      reply: { code: 554, enhanced: '5.7.1', text: 'Message contains a virus (Test.EICAR.UNOFFICIAL)' },
      addHeaders: [],
      subjectTag: null,
    };
    expect(violationFromVerdict(verdict, outbound())).toEqual({
      address: 'annv@cantho.gov.vn',
      reason: 'sent a virus: Test.EICAR.UNOFFICIAL',
      serious: true,
      source: 'filter',
    });
  });
});
