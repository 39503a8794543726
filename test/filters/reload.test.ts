import { renameSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFilterPipeline, type RunningFilterPipeline } from '../../src/filters/pipeline.js';
import { RulesFileError } from '../../src/filters/rules/watch.js';
import { captureLogger, inbound, plain, tempDir, testConfig, writeRules, type CapturedLog } from './support.js';

/** Admins edit the rules file on a live server: changes apply within 2 s, mistakes never stop mail. */

const FIRST = '[[rule]]\nid = "KM"\ndescription = "khuyến mãi"\nscore = 2.0\ntarget = "subject"\nwords = ["khuyến mãi"]\nfold = true\n\n';
const SECOND = '[[rule]]\nid = "VAY"\ndescription = "vay tiền"\nscore = 3.0\ntarget = "subject"\nwords = ["vay tiền"]\nfold = true\n\n';

let temp: ReturnType<typeof tempDir>;
let file: string;
let log: CapturedLog;
let pipeline: RunningFilterPipeline;

beforeEach(() => {
  temp = tempDir();
  file = writeRules(temp.dir, FIRST);
  log = captureLogger();
  pipeline = createFilterPipeline(testConfig(file), { logger: log.logger, resolver: async () => [], bayes: null, virus: false });
});
afterEach(() => {
  pipeline.close();
  temp.cleanup();
});

const message = plain('Khuyến mãi: vay tiền nhanh', 'x');
const hitIds = async () => (await pipeline.check(message, inbound())).reasons.map((r) => r.id);

async function within(ms: number, condition: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Date.now() - started;
}

describe('rules reload', () => {
  it('applies an added rule to the next message within 2 seconds of saving the file, and logs it', async () => {
    expect(await hitIds()).toEqual(['spam:KM']);
    writeRules(temp.dir, FIRST + SECOND);
    await within(2000, async () => (await hitIds()).includes('spam:VAY'));
    expect(await hitIds()).toEqual(['spam:KM', 'spam:VAY']);
    expect(log.lines.some((l) => l.msg === 'spam rules reloaded' && l.file === file && l.rules === 2)).toBe(true);
  });

  it('follows an editor that saves by renaming a new file over the old one', async () => {
    const next = writeRules(temp.dir, FIRST + SECOND).replace(/spam-rules\.toml$/, 'spam-rules.toml.tmp');
    writeFileSync(next, `[thresholds]\njunk_at = 5.0\nreject_at = 10.0\n\n${FIRST}${SECOND}`);
    writeRules(temp.dir, FIRST);
    await new Promise((resolve) => setTimeout(resolve, 300));
    renameSync(next, file);
    await within(2000, async () => (await hitIds()).includes('spam:VAY'));
  });

  it('refuses a broken edit, keeps mail flowing under the old rules, and logs file, line and rule id', async () => {
    writeRules(temp.dir, FIRST + SECOND.replace('words = ["vay tiền"]', 'regex = "vay (tiền"'));
    await within(2000, async () => log.lines.some((l) => l.level === 50));
    const error = log.lines.find((l) => l.level === 50)!;
    expect(error).toMatchObject({ file, line: 20, ruleId: 'VAY' });
    expect(error.msg).toBe(
      `spam rules refused, previous rules stay: ${file}:20: rule VAY: rule.1.regex: bad regex: Invalid regular expression: /vay (tiền/u: Unterminated group`,
    );
    expect(await hitIds()).toEqual(['spam:KM']);
  });

  it('reloads on demand (SIGHUP) and reports the outcome', () => {
    writeRules(temp.dir, FIRST + SECOND);
    const result = pipeline.reloadRules();
    expect(result.ok).toBe(true);
    expect(pipeline.currentRules().rules.map((r) => r.id)).toEqual(['KM', 'VAY']);
  });

  it('refuses to start with an invalid rules file', () => {
    const bad = writeRules(temp.dir, FIRST + FIRST);
    expect(() => createFilterPipeline(testConfig(bad), { logger: log.logger, resolver: async () => [], bayes: null, virus: false, watchRules: false })).toThrow(
      new RulesFileError({ kind: 'invalid', file: bad, line: 16, ruleId: 'KM', keyPath: 'rule.1.id', reason: 'duplicate id KM (first used by rule #1)' }),
    );
  });
});
