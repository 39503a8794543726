/**
 * docs/architecture.md "Spam filtering": a body fingerprint that survives changed names, numbers
 * and links; the store's nearest learnt message per class; NEAR_LEARNT_SPAM / NEAR_LEARNT_HAM in
 * the pipeline; and Bayes short of certainty never junking mail on its own.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyFingerprint, FINGERPRINT_BANDS } from '../../src/filters/bayes/fingerprint.js';
import { BayesLearner } from '../../src/filters/bayes/learn.js';
import { tokenize } from '../../src/filters/bayes/tokenize.js';
import { readMessage } from '../../src/filters/message.js';
import { combineVerdicts, createFilterPipeline } from '../../src/filters/pipeline.js';
import { loadRulesFile } from '../../src/filters/rules/load.js';
import type { Verdict, VerdictReason } from '../../src/filters/verdict.js';
import { openBayesStore } from '../../src/store/bayes.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { captureLogger, inbound, plain, tempDir, testConfig, writeRules } from './support.js';

const temp = tempDir();
afterAll(() => temp.cleanup());

function campaign(name: string, amount: number, link: string): string {
  return [
    `Kính gửi ông ${name},`,
    `Chúng tôi xin thông báo quý khách đã được chọn nhận khoản vay ưu đãi ${amount} triệu đồng với lãi suất thấp nhất thị trường.`,
    'Hồ sơ đơn giản, không cần thế chấp, giải ngân trong vòng hai mươi bốn giờ kể từ khi nộp đủ giấy tờ.',
    `Vui lòng đăng ký tại ${link} trước ngày cuối tháng để giữ suất ưu đãi dành riêng cho quý khách.`,
    'Trân trọng, phòng chăm sóc khách hàng.',
  ].join('\n');
}
const MEETING = [
  'Kính gửi các đồng chí trưởng phòng,',
  'Văn phòng Ủy ban nhân dân thành phố thông báo lịch họp giao ban tuần này vào chiều thứ năm tại phòng họp số hai.',
  'Đề nghị các đơn vị chuẩn bị báo cáo kết quả công tác tháng và kế hoạch tháng tới, gửi trước về văn phòng.',
  'Trân trọng.',
].join('\n');

async function fingerprintOf(subject: string, body: string): Promise<number[] | null> {
  return bodyFingerprint(tokenize(await readMessage(plain(subject, body))));
}

function shared(a: readonly number[], b: readonly number[]): number {
  return a.filter((value, band) => b[band] === value).length;
}

describe('body fingerprint', () => {
  it('stays nearly the same when names, amounts and links change, and differs for other text', async () => {
    const first = (await fingerprintOf('Ưu đãi', campaign('Nguyễn Văn An', 500, 'http://vay-nhanh.example/a1')))!;
    const second = (await fingerprintOf('Thông báo', campaign('Trần Thị Bình', 700, 'http://vay-nhanh.example/zz9')))!;
    const other = (await fingerprintOf('Lịch họp', MEETING))!;
    expect(first).toHaveLength(FINGERPRINT_BANDS);
    expect(shared(first, second)).toBeGreaterThanOrEqual(6);
    expect(shared(first, other)).toBeLessThanOrEqual(1);
  });

  it('is null for a body too short to compare', async () => {
    expect(await fingerprintOf('Hi', 'Cảm ơn anh.')).toBeNull();
  });
});

describe('nearest learnt message in the store', () => {
  let db: Db;
  beforeAll(() => {
    db = openDatabase(path.join(temp.dir, 'near.db'));
  });
  afterAll(() => db.close());

  it('finds a near-duplicate of learnt spam, moves with relearning, and forgets it', async () => {
    const store = openBayesStore(db);
    const learner = new BayesLearner(store);
    const spam = plain('Ưu đãi', campaign('Nguyễn Văn An', 500, 'http://vay-nhanh.example/a1'));
    const probe = (await fingerprintOf('Ưu đãi', campaign('Lê Văn Cường', 300, 'http://vay-nhanh.example/q7')))!;
    expect(learner.nearest(probe)).toEqual({ spam: 0, ham: 0 });
    await learner.train('spam', spam);
    expect(learner.nearest(probe).spam).toBeGreaterThanOrEqual(6);
    expect(learner.nearest(probe).ham).toBe(0);
    // A user moving it back out of Junk: the same fingerprint now counts as ham.
    await learner.train('ham', spam);
    expect(learner.nearest(probe)).toEqual({ spam: 0, ham: expect.any(Number) });
    expect(learner.nearest(probe).ham).toBeGreaterThanOrEqual(6);
    await learner.untrain(spam);
    expect(learner.nearest(probe)).toEqual({ spam: 0, ham: 0 });
  });
});

describe('near-duplicates in the pipeline', () => {
  it('scores NEAR_LEARNT_SPAM for a copy of learnt spam and nothing for unrelated mail', async () => {
    const db = openDatabase(path.join(temp.dir, 'pipeline.db'));
    const learner = new BayesLearner(openBayesStore(db));
    const dir = path.join(temp.dir, 'rules');
    (await import('node:fs')).mkdirSync(dir);
    // min_spam/min_ham 1: Bayes speaks after one message of each class.
    const rulesFile = writeRules(dir, '[bayes]\nmin_spam = 1\nmin_ham = 1\nnear_duplicate = 3.5\n');
    const pipeline = createFilterPipeline(testConfig(rulesFile), { logger: captureLogger().logger, resolver: async () => [], bayes: learner, virus: false, watchRules: false });
    try {
      await learner.train('spam', plain('Ưu đãi', campaign('Nguyễn Văn An', 500, 'http://vay-nhanh.example/a1')));
      await learner.train('ham', plain('Lịch họp', MEETING));
      const copy = await pipeline.check(plain('Thông báo', campaign('Phạm Thị Dung', 900, 'http://vay-nhanh.example/k2')), inbound());
      expect(copy.reasons).toContainEqual(expect.objectContaining({ id: 'bayes:NEAR_LEARNT_SPAM', score: 3.5 }));
      const meeting = await pipeline.check(plain('Lịch họp tuần sau', MEETING.replace('thứ năm', 'thứ sáu')), inbound());
      expect(meeting.reasons).toContainEqual(expect.objectContaining({ id: 'bayes:NEAR_LEARNT_HAM', score: -3.5 }));
      expect(meeting.reasons.some((r) => r.id === 'bayes:NEAR_LEARNT_SPAM')).toBe(false);
    } finally {
      pipeline.close();
      db.close();
    }
  });
});

describe('a statistical guess alone never junks', () => {
  const dir = path.join(temp.dir, 'gate');
  let rules: ReturnType<typeof loadRulesFile> & { ok: true };
  beforeAll(async () => {
    (await import('node:fs')).mkdirSync(dir);
    const loaded = loadRulesFile(writeRules(dir, ''));
    if (!loaded.ok) throw new Error('rules');
    rules = loaded;
  });
  const verdict = (...reasons: VerdictReason[]): Verdict => ({ action: 'accept', score: reasons.reduce((s, r) => s + r.score, 0), reasons, addHeaders: [], subjectTag: null });
  const bayes = (score: number, sure = false): VerdictReason => ({ id: 'bayes', score, description: 'Bayes', ...(sure ? {} : { needsConfirmation: true }) });
  const rule = (score: number): VerdictReason => ({ id: 'spam:HTML_ONLY', score, description: 'rule' });

  it('keeps mail that only Bayes short of certainty calls spam, even past reject_at, without a subject tag', () => {
    for (const score of [6, 9, 12]) {
      const combined = combineVerdicts([verdict(bayes(score))], rules.rules, inbound());
      expect(combined.action).toBe('accept');
      expect(combined.subjectTag).toBeNull();
      expect(combined.addHeaders).toContainEqual(['X-Spam-Score', `${score}.0`]);
    }
  });

  it('junks when another positive reason agrees, and when Bayes is at its cap', () => {
    expect(combineVerdicts([verdict(bayes(5)), verdict(rule(0.5))], rules.rules, inbound()).action).toBe('junk');
    expect(combineVerdicts([verdict(bayes(6, true))], rules.rules, inbound()).action).toBe('junk');
    // A rule alone past junk_at needs no confirmation.
    expect(combineVerdicts([verdict(rule(6))], rules.rules, inbound()).action).toBe('junk');
  });
});
