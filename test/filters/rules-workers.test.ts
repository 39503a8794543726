import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFilterPipeline, type RunningFilterPipeline } from '../../src/filters/pipeline.js';
import { WorkerPool } from '../../src/workers/index.js';
import { captureLogger, inbound, plain, tempDir, testConfig, writeRules } from './support.js';

/**
 * The rules file's text crosses to the analysis workers once per loaded version, not with every
 * job (src/workers SharedInput): a changed file must still be the one the next job reads, and a
 * message begun before the change must still be judged by the rules it began under.
 */

const FIRST = '[[rule]]\nid = "KM"\ndescription = "khuyến mãi"\nscore = 2.0\ntarget = "subject"\nwords = ["khuyến mãi"]\nfold = true\n\n';
const SECOND = '[[rule]]\nid = "VAY"\ndescription = "vay tiền"\nscore = 3.0\ntarget = "subject"\nwords = ["vay tiền"]\nfold = true\n\n';

let temp: ReturnType<typeof tempDir>;
let pool: WorkerPool;
let pipeline: RunningFilterPipeline;

beforeAll(async () => {
  temp = tempDir();
  const file = writeRules(temp.dir, FIRST);
  pool = new WorkerPool({ size: 1, queueLimit: 10, budgetMs: 20_000, resolver: async () => [], logger: pino({ level: 'silent' }) });
  await pool.ready();
  pipeline = createFilterPipeline(testConfig(file), { logger: captureLogger().logger, resolver: async () => [], bayes: null, virus: false, workers: pool, watchRules: false });
});
afterAll(async () => {
  pipeline.close();
  await pool.close();
  temp.cleanup();
});

const message = plain('Khuyến mãi: vay tiền nhanh', 'x');
const hitIds = async () => (await pipeline.check(message, inbound())).reasons.map((r) => r.id);

describe('spam rules read on a worker thread', () => {
  it('reads the next message under a changed rules file, and a message begun before the change under the old one', async () => {
    expect(await hitIds()).toEqual(['spam:KM']);
    const begunBefore = pipeline.begin(message);
    writeRules(temp.dir, FIRST + SECOND);
    expect(pipeline.reloadRules().ok).toBe(true);
    expect(await hitIds()).toEqual(['spam:KM', 'spam:VAY']);
    const old = await begunBefore.finish({ raw: message }, inbound());
    expect(old.reasons.map((r) => r.id)).toEqual(['spam:KM']);
    expect(await hitIds()).toEqual(['spam:KM', 'spam:VAY']);
  });
});
