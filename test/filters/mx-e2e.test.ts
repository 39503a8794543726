import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAccountId } from '../../src/store/types.js';
import { EICAR, startClamd, type RunningClamd } from '../helpers/clamd.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { swaks } from '../smtp/clients.js';
import { makeZip, tempDir, writeRules } from './support.js';

/**
 * The "done when", end to end: the real server, a real clamd, swaks as the sending MTA.
 * EICAR in a zip → 554 with the signature; clamd stopped → 451; a rule added to the live rules
 * file changes delivery within 2 s, and a broken edit leaves mail flowing under the old rules.
 */

const temp = tempDir();
const KM = '[[rule]]\nid = "VN_KM"\ndescription = "khuyến mãi"\nscore = 6\ntarget = "subject"\nwords = ["khuyến mãi"]\nfold = true\n\n';
let clamd: RunningClamd;
let h: TestServer;
let rulesFile: string;
let recipient: string;

beforeAll(async () => {
  clamd = await startClamd();
  rulesFile = writeRules(temp.dir, KM);
  h = await startTestServer({ config: { clamav: { enabled: true, socket: clamd.socket, timeout: '5s' }, spam: { rules: rulesFile } } });
  recipient = (await h.addUser('Nguyễn Văn An')).address;
});
afterAll(async () => {
  await h.close();
  await clamd.stop();
  temp.cleanup();
});

const send = (...extra: string[]) =>
  swaks(['--server', `127.0.0.1:${h.ports.mx}`, '--from', 'someone@example.org', '--to', recipient, ...extra]);

async function junkCount(): Promise<number> {
  const store = h.server.context.store;
  const junk = await store.getMailbox(asAccountId(recipient), 'Junk');
  return junk ? (await store.listMessages(junk.id)).length : 0;
}

describe('MX with the filter pipeline', () => {
  it('answers 554 5.7.1 naming the signature for EICAR inside a zip attachment', async () => {
    const zip = path.join(temp.dir, 'ho_so.zip');
    writeFileSync(zip, makeZip([{ name: 'tai_lieu/eicar.com', data: Buffer.from(EICAR) }]));
    const result = await send('--header', 'Subject: Hồ sơ', '--attach-type', 'application/zip', '--attach', `@${zip}`);
    expect(result.output).toContain('<** 554 5.7.1 Message contains a virus (Test.EICAR.UNOFFICIAL)');
  });

  it('applies a rule added to the live rules file within 2 s, and keeps the old rules after a broken edit', async () => {
    const vay = '[[rule]]\nid = "VN_VAY"\ndescription = "vay tiền"\nscore = 20\ntarget = "body"\nwords = ["vay tiền nhanh"]\nfold = true\n';
    const body = ['--header', 'Subject: Thong bao', '--body', 'Ho tro vay tien nhanh trong ngay'];
    expect((await send(...body)).output).toContain('<-  250 2.6.0 Message accepted for delivery');

    writeRules(temp.dir, KM + vay);
    const started = Date.now();
    let output = '';
    while (Date.now() - started < 2000) {
      output = (await send(...body)).output;
      if (output.includes('<** 550')) break;
    }
    expect(output).toContain('<** 550 5.7.1 Message refused as spam (score 20)');

    writeRules(temp.dir, KM + vay.replace('words = ["vay tiền nhanh"]', 'regex = "vay (tien"'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await send(...body)).output).toContain('<** 550 5.7.1 Message refused as spam (score 20)');
    const before = await junkCount();
    expect((await send('--header', 'Subject: Khuyến mãi', '--body', 'hello')).output).toContain('<-  250 2.6.0 Message accepted for delivery');
    expect(await junkCount()).toBe(before + 1);
  });

  it('answers 451 4.3.0 once clamd is stopped', async () => {
    await clamd.stop();
    const result = await send('--header', 'Subject: hello', '--body', 'clean text');
    expect(result.output).toContain('<** 451 4.3.0 Virus scanner unavailable, try again later');
  });
});
