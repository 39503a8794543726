/**
 * `npm run bench -- filters [--seconds S] [--scans N]`:
 *  1. messages/s through the spam rules engine with 200 rules (the 32 shipped ones plus 168
 *     generated word and regex rules over subject, body, URLs and headers, half of them folded) on
 *     10 KB messages: once for the whole pipeline (MIME parsing + lists + rules; clamd and Bayes
 *     off) and once for the rules filter alone on already parsed messages;
 *  2. clamd scan latency (median, p99) of a 100 KB message over the unix socket, with a real clamd
 *     started by test/helpers/clamd.ts (the same one the tests use).
 * Each phase runs for S seconds (default 3) or N scans (default 300), one message at a time.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { configFromObject } from '../src/config/index.js';
import { readMessage } from '../src/filters/message.js';
import { createFilterPipeline } from '../src/filters/pipeline.js';
import { loadRulesFile } from '../src/filters/rules/load.js';
import { matchTextRules } from '../src/filters/rules/match.js';
import { createVirusFilter } from '../src/filters/virus.js';
import { startClamd } from '../test/helpers/clamd.js';
import { generateCorpus } from '../test/filters/fixtures/corpus.js';
import { inbound, tempDir } from '../test/filters/support.js';

const context = inbound();
const silent = pino({ level: 'silent' });

const WORDS = ['khuyến mãi', 'giảm giá', 'vay tiền', 'trúng thưởng', 'cá độ', 'nhà cái', 'việc nhẹ', 'hoa hồng', 'xác minh', 'tài khoản', 'free', 'winner', 'bitcoin', 'casino', 'loan', 'pharmacy'];
const TARGETS = ['subject', 'body', 'body', 'body', 'url', 'from'] as const;

/** The shipped rules plus generated ones up to `total`. */
function rulesText(total: number): string {
  const shipped = readFileSync('config/spam-rules.toml', 'utf8');
  const count = (shipped.match(/^\[\[rule\]\]/gm) ?? []).length;
  const extra: string[] = [];
  for (let i = 0; extra.length < total - count; i++) {
    const target = TARGETS[i % TARGETS.length]!;
    const words = [WORDS[i % WORDS.length]!, `${WORDS[(i * 7) % WORDS.length]!} ${i}`];
    const matcher =
      i % 2 === 0
        ? `words = [${words.map((w) => JSON.stringify(w)).join(', ')}]\nfold = ${i % 4 === 0}`
        : `regex = ${JSON.stringify(`${words[0]!.split(' ')[0]}\\s*\\d{${1 + (i % 3)}}|x${i}y`)}`;
    extra.push(`[[rule]]\nid = "BENCH_${i}"\ndescription = "generated ${i}"\nscore = 0.1\ntarget = "${target}"\n${matcher}\n`);
  }
  return `${shipped}\n${extra.join('\n')}`;
}

/** Corpus messages padded with more of their own kind of text to about 10 KB. */
function tenKilobyteMessages(): Buffer[] {
  return generateCorpus(50).map((m) => {
    const [head, body] = m.raw.toString('latin1').split('\r\n\r\n') as [string, string];
    const text = Buffer.from(body.replace(/\r\n/g, ''), 'base64').toString('utf8');
    let padded = text;
    while (Buffer.byteLength(padded) < 7200) padded += `\r\n${text}`;
    const encoded = Buffer.from(padded).toString('base64').replace(/.{76}/g, '$&\r\n');
    return Buffer.from(`${head}\r\n\r\n${encoded}\r\n`, 'latin1');
  });
}

async function throughput(seconds: number, step: (i: number) => Promise<unknown>): Promise<{ count: number; perSecond: number }> {
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  let count = 0;
  while (performance.now() < until) await step(count++);
  return { count, perSecond: count / ((performance.now() - started) / 1000) };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { seconds: { type: 'string', default: '3' }, scans: { type: 'string', default: '300' } } });
  const seconds = Number(values.seconds);
  const scans = Number(values.scans);
  const temp = tempDir();
  try {
    const rulesFile = path.join(temp.dir, 'spam-rules.toml');
    writeFileSync(rulesFile, rulesText(200));
    const loaded = loadRulesFile(rulesFile);
    if (!loaded.ok) throw new Error('bench rules file invalid');
    const messages = tenKilobyteMessages();
    const averageSize = messages.reduce((s, m) => s + m.length, 0) / messages.length;
    console.log(`rules: ${loaded.rules.rules.length}; messages: ${messages.length} distinct, ${(averageSize / 1024).toFixed(1)} KB on average`);

    const config = configFromObject({ spam: { rules: rulesFile }, server: { data_dir: temp.dir } });
    const pipeline = createFilterPipeline(config, { logger: silent, resolver: async () => [], bayes: null, virus: false, watchRules: false });
    const whole = await throughput(seconds, (i) => pipeline.check(messages[i % messages.length]!, context));
    pipeline.close();
    console.log(`pipeline (parse + lists + 200 rules): ${whole.perSecond.toFixed(0)} messages/s (${whole.count} in ${seconds} s)`);

    const views = await Promise.all(messages.map((m) => readMessage(m)));
    const onlyRules = await throughput(seconds, async (i) => matchTextRules(views[i % views.length]!, loaded.rules, 'inbound'));
    console.log(`text rules alone (200 rules, parsed message): ${onlyRules.perSecond.toFixed(0)} messages/s (${onlyRules.count} in ${seconds} s)`);

    const clamd = await startClamd();
    try {
      const virus = createVirusFilter(configFromObject({ clamav: { socket: clamd.socket, timeout: '10s' } }).clamav, silent);
      const line = 'Kính gửi các đồng chí, báo cáo tình hình thực hiện kế hoạch chuyển đổi số năm 2026.\r\n';
      const message = Buffer.from(`From: a@example.net\r\nSubject: scan\r\n\r\n${line.repeat(Math.ceil(100 * 1024 / Buffer.byteLength(line)))}`);
      await virus.check(message); // warm-up: clamd's first scan loads its engine state
      const latencies: number[] = [];
      for (let i = 0; i < scans; i++) {
        const started = performance.now();
        const outcome = await virus.check(message);
        latencies.push(performance.now() - started);
        if (outcome.verdict.action !== 'accept') throw new Error(`clamd scan failed: ${JSON.stringify(outcome.verdict.reasons)}`);
      }
      latencies.sort((a, b) => a - b);
      console.log(
        `clamd scan of a ${(message.length / 1024).toFixed(0)} KB message (unix socket, ${scans} scans): median ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms`,
      );
    } finally {
      await clamd.stop();
    }
  } finally {
    temp.cleanup();
  }
}
