import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/index.js';
import { runCli, runCliInProcess, type CliResult } from '../cli/cli-helpers.js';
import { EICAR, startClamd, type RunningClamd } from '../helpers/clamd.js';
import { generateCorpus } from './fixtures/corpus.js';
import { plain, tempDir, writeRules } from './support.js';

/**
 * `cantho-mail spam check-config | test | train`: exit codes and exact output, through the CLI's
 * entry function in this process; check-config also as a real process (`cliProcess`).
 */

const temp = tempDir();
let clamd: RunningClamd;
let configFile: string;
let rulesFile: string;
const KM = '[[rule]]\nid = "VN_KM"\ndescription = "khuyến mãi"\nscore = 2.5\ntarget = "subject"\nwords = ["khuyến mãi"]\nfold = true\n\n';
const BAYES = '[bayes]\nmin_spam = 50\nmin_ham = 50\nweight = 4.0\n\n';

function cli(...args: string[]): Promise<CliResult> {
  return runCliInProcess(['--config', configFile, ...args]);
}

function cliProcess(...args: string[]): Promise<CliResult> {
  return runCli(['--config', configFile, ...args]);
}

beforeAll(async () => {
  clamd = await startClamd();
  rulesFile = writeRules(temp.dir, BAYES + KM);
  configFile = path.join(temp.dir, 'cantho-mail.toml');
  writeFileSync(configFile, `[server]\ndata_dir = "${temp.dir}/data"\n\n[clamav]\nsocket = "${clamd.socket}"\n\n[spam]\nrules = "spam-rules.toml"\n`);
  // `spam train` works on an installation's database; only serve and init create one.
  openDatabase(path.join(temp.dir, 'data', 'mail.db')).close();
  writeFileSync(path.join(temp.dir, 'km.eml'), plain('Khuyen mai lon', 'Mua ngay hôm nay.'));
  writeFileSync(path.join(temp.dir, 'eicar.eml'), plain('hello', EICAR));
});
afterAll(async () => {
  await clamd.stop();
  temp.cleanup();
});

describe('spam check-config', () => {
  it('says ok with the number of rules', async () => {
    expect(await cliProcess('spam', 'check-config')).toEqual({ code: 0, stdout: `${rulesFile}: ok, 1 rules\n`, stderr: '' });
  });

  it('exits 1 with file:line: rule id for a broken file', async () => {
    writeRules(temp.dir, BAYES + KM + KM);
    try {
      expect(await cliProcess('spam', 'check-config')).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: ${rulesFile}:21: rule VN_KM: rule.1.id: duplicate id VN_KM (first used by rule #1)\n`,
      });
    } finally {
      writeRules(temp.dir, BAYES + KM);
    }
  });
});

describe('spam test', () => {
  it('prints the verdict, each rule hit with its score, and the Bayes state; a rule added to the file shows up', async () => {
    const first = await cli('spam', 'test', path.join(temp.dir, 'km.eml'));
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(
      [
        'verdict: accept, score 2.5 (junk at 5, reject at 10)',
        'rules:',
        '  +2.5  spam:VN_KM  khuyến mãi',
        'bayes: silent: learnt 0 spam and 0 ham, needs 50 and 50',
        'X-Virus-Status: Clean',
        'X-Spam-Score: 2.5',
        'X-Spam-Status: No, score=2.5 junk_at=5 reject_at=10 tests=VN_KM=2.5',
        '',
      ].join('\n'),
    );

    writeRules(temp.dir, BAYES + KM + '[[rule]]\nid = "MUA_NGAY"\ndescription = "mua ngay"\nscore = 3\ntarget = "body"\nwords = ["mua ngay"]\nfold = true\n');
    const second = await cli('spam', 'test', '--no-virus', path.join(temp.dir, 'km.eml'));
    expect(second.stdout).toContain('verdict: junk, score 5.5 (junk at 5, reject at 10)\n');
    expect(second.stdout).toContain('  +3.0  spam:MUA_NGAY  mua ngay\n');
    writeRules(temp.dir, BAYES + KM);
  });

  it('shows a virus as the refusal the sender would get', async () => {
    const result = await cli('spam', 'test', path.join(temp.dir, 'eicar.eml'));
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      'verdict: reject, score 0 (junk at 5, reject at 10)',
      'reply: 554 5.7.1 Message contains a virus (Test.EICAR.UNOFFICIAL)',
    ]);
  });

  it('exits 1 for a file that cannot be read', async () => {
    expect(await cli('spam', 'test', '/nonexistent.eml')).toEqual({ code: 1, stdout: '', stderr: 'error: cannot read /nonexistent.eml: ENOENT\n' });
  });
});

describe('spam train', () => {
  it('learns from a folder of .eml files and an mbox, once each, and Bayes then speaks in spam test', async () => {
    const corpus = generateCorpus(60);
    const spamDir = path.join(temp.dir, 'spam');
    mkdirSync(spamDir);
    corpus.filter((m) => m.kind === 'spam').forEach((m, i) => writeFileSync(path.join(spamDir, `${String(i).padStart(3, '0')}.eml`), m.raw));
    const mbox = corpus
      .filter((m) => m.kind === 'ham')
      .map((m) => `From MAILER-DAEMON Mon Sep  1 08:00:00 2026\n${m.raw.toString('latin1').replace(/\r\n/g, '\n').replace(/^(>*From )/gm, '>$1')}\n`)
      .join('');
    writeFileSync(path.join(temp.dir, 'ham.mbox'), mbox, 'latin1');

    const trained = await cli('--json', 'spam', 'train', '--spam', spamDir, '--ham', path.join(temp.dir, 'ham.mbox'));
    expect(trained.code).toBe(0);
    expect(JSON.parse(trained.stdout)).toEqual({ learnt: { spam: 60, ham: 60 }, relearnt: 0, alreadyLearnt: 0, totals: { spam: 60, ham: 60 } });
    const again = await cli('spam', 'train', '--spam', spamDir);
    expect(again.stdout).toBe('learnt 0 spam and 0 ham, moved 0 to the other class, 60 already learnt; Bayes now knows 60 spam and 60 ham\n');

    const spamFile = path.join(temp.dir, 'new-spam.eml');
    writeFileSync(spamFile, generateCorpus(200, 7).filter((m) => m.kind === 'spam')[150]!.raw);
    const tested = await cli('spam', 'test', '--no-virus', spamFile);
    expect(tested.stdout).toMatch(/\nbayes:\n {2}[+-]\d+\.\d {2}bayes:BAYES_HEADERS {2}Bayes spam probability [01]\.\d{6} from \d+ tokens of how it was made and sent \(headers, MIME structure, links\), × weight 4( \(needs confirmation\))?\n {2}\+\d\.\d {2}bayes:BAYES_TEXT {2}Bayes spam probability (0\.99\d{4}|1\.000000) from \d+ tokens of what it says \(subject and body words\), × weight 4( \(needs confirmation\))?\n/);
  });

  it('exits 1 without any source, or with a source that does not exist', async () => {
    expect(await cli('spam', 'train')).toEqual({ code: 1, stdout: '', stderr: 'error: give --spam <path>, --ham <path> or both\n' });
    expect(await cli('spam', 'train', '--ham', '/nonexistent')).toEqual({ code: 1, stdout: '', stderr: 'error: cannot read /nonexistent: ENOENT\n' });
  });
});
