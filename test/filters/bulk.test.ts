/**
 * docs/architecture.md "Spam filtering", bulk and repeat detection: nearly the same text to many
 * of our mailboxes, or from many sender domains, within the window scores, needs another signal to
 * junk, and is forgotten after the window. End to end through the MX with swaks as the sender.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyFingerprint } from '../../src/filters/bayes/fingerprint.js';
import { tokenize } from '../../src/filters/bayes/tokenize.js';
import { RecentBodies } from '../../src/filters/bulk.js';
import { readMessage } from '../../src/filters/message.js';
import { asAccountId } from '../../src/store/types.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { swaks } from '../smtp/clients.js';
import { plain, tempDir, writeRules } from './support.js';

function circular(name: string, amount: number): string {
  return [
    `Kính gửi ông ${name},`,
    `Công ty chúng tôi trân trọng giới thiệu gói vay tiêu dùng ${amount} triệu đồng với lãi suất ưu đãi nhất thị trường hiện nay.`,
    'Thủ tục nhanh gọn, không cần thế chấp tài sản, giải ngân trong vòng hai mươi bốn giờ làm việc.',
    'Quý khách vui lòng liên hệ tổng đài để được tư vấn miễn phí và nhận quà tặng kèm theo.',
    'Trân trọng cảm ơn.',
  ].join('\n');
}

async function fingerprintOf(body: string): Promise<number[]> {
  return bodyFingerprint(tokenize(await readMessage(plain('Ưu đãi', body))))!;
}

describe('recent bodies', () => {
  it('counts mailboxes and sender domains of near-duplicates, not of other text, and forgets after the window', async () => {
    let now = 1_000_000;
    const recent = new RecentBodies(() => now);
    const hour = 3_600_000;
    const first = await fingerprintOf(circular('Nguyễn Văn An', 300));
    const second = await fingerprintOf(circular('Trần Thị Bình', 450));
    const other = await fingerprintOf(
      'Văn phòng Ủy ban nhân dân thành phố thông báo lịch họp giao ban tuần này vào chiều thứ năm tại phòng họp số hai. Đề nghị các đơn vị chuẩn bị báo cáo kết quả công tác tháng.',
    );
    expect(recent.countAndRemember(first, 'vay.example', ['a@cantho.gov.vn', 'b@cantho.gov.vn'], 24 * hour)).toEqual({ recipients: 2, senderDomains: 1 });
    now += hour;
    expect(recent.countAndRemember(second, 'tien.example', ['c@cantho.gov.vn', 'A@cantho.gov.vn'], 24 * hour)).toEqual({ recipients: 3, senderDomains: 2 });
    expect(recent.countAndRemember(other, 'vay.example', ['d@cantho.gov.vn'], 24 * hour)).toEqual({ recipients: 1, senderDomains: 1 });
    // 24 h after the first message only: it is forgotten, the second (an hour younger) still counts.
    now += 23.5 * hour;
    expect(recent.countAndRemember(first, 'vay.example', ['e@cantho.gov.vn'], 24 * hour)).toEqual({ recipients: 3, senderDomains: 2 });
    expect(recent.size).toBe(3);
  });
});

describe('bulk through the MX', () => {
  const temp = tempDir();
  let h: TestServer;
  const officials: string[] = [];

  beforeAll(async () => {
    const rules = writeRules(temp.dir, '[bulk]\nrecipients = 4\nsenders = 3\nscore = 2.5\n\n[[rule]]\nid = "VN_VAY"\ndescription = "vay"\nscore = 3\ntarget = "body"\nwords = ["không cần thế chấp"]\nfold = true\n');
    h = await startTestServer({ config: { spam: { rules } } });
    for (const name of ['Nguyễn Văn An', 'Trần Thị Bình', 'Lê Văn Cường', 'Phạm Thị Dung', 'Võ Văn Em']) officials.push((await h.addUser(name)).address);
  });
  afterAll(async () => {
    await h.close();
    temp.cleanup();
  });

  const send = (from: string, to: readonly string[], body: string) =>
    swaks(['--server', `127.0.0.1:${h.ports.mx}`, '--from', from, '--to', to.join(','), '--header', 'Subject: Ưu đãi', '--body', body]);

  async function lastStatus(address: string, folder: string): Promise<string | null> {
    const store = h.server.context.store;
    const box = await store.getMailbox(asAccountId(address), folder);
    const rows = box ? await store.listMessages(box.id) : [];
    const last = rows.at(-1);
    if (!last) return null;
    const text = (await store.readBlob(last.blobId)).toString('utf8');
    return /^X-Spam-Status: (.*)$/m.exec(text)?.[1] ?? '';
  }

  it('scores MANY_OFFICIALS once nearly the same text reached the threshold of our mailboxes, and junks it with a rule agreeing', async () => {
    expect((await send('news@vay.example', officials.slice(0, 2), circular('Anh', 300))).output).toContain('<-  250');
    expect(await lastStatus(officials[0]!, 'INBOX')).not.toContain('MANY_OFFICIALS');
    expect((await send('news@vay.example', officials.slice(2, 4), circular('Chị', 500))).output).toContain('<-  250');
    // Four mailboxes now: the bulk reason and the rule together pass junk_at 5.
    expect(await lastStatus(officials[2]!, 'Junk')).toMatch(/MANY_OFFICIALS=2\.5.*VN_VAY=3|VN_VAY=3.*MANY_OFFICIALS=2\.5/);
  });

  it('scores MANY_SENDERS for one text from several sender domains', async () => {
    const text = [
      'Chương trình học bổng du học ngắn hạn mùa hè dành cho cán bộ trẻ đang mở đăng ký trực tuyến.',
      'Học viên được hỗ trợ toàn bộ học phí, vé máy bay khứ hồi và chi phí ăn ở trong suốt khóa học.',
      'Hạn cuối nộp hồ sơ là ngày mười lăm tháng sau, số lượng suất học bổng có hạn.',
    ].join('\n');
    for (const domain of ['hocbong.example', 'duhoc.example']) expect((await send(`info@${domain}`, [officials[4]!], text)).output).toContain('<-  250');
    expect((await send('info@scholar.example', [officials[4]!], text)).output).toContain('<-  250');
    const status = await lastStatus(officials[4]!, 'INBOX');
    expect(status).toContain('MANY_SENDERS=2.5');
    expect(status).toMatch(/^No,/);
  });
});
