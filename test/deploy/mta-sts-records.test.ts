/**
 * `init --mta-sts MODE --tls-rpt URI` writes `[mta_sts]` into the new config and prints the
 * records RFC 8461 §3.1 and RFC 8460 §3 ask for; the `_mta-sts` id is the one of the policy the
 * web listener serves from that config, so publishing what init printed is enough. Without
 * `[mta_sts]` none of them is printed. In-process (runCommandLine): the process adds nothing here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadConfig, mtaStsPolicy } from '../../src/config/index.js';
import { runCliInProcess } from '../cli/cli-helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cm-mta-sts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface PrintedRecord {
  readonly name: string;
  readonly type: string;
  readonly value: string;
}

async function init(args: readonly string[]): Promise<{ config: string; records: PrintedRecord[] }> {
  const made = await runCliInProcess(['--json', 'init', ...args]);
  expect(made.stderr).toBe('');
  expect(made.code).toBe(0);
  return JSON.parse(made.stdout);
}

it('prints the _mta-sts, mta-sts and _smtp._tls records, the id matching the served policy', async () => {
  const made = await init([path.join(dir, 'on'), '--mta-sts', 'enforce', '--tls-rpt', 'mailto:tlsrpt@cantho.gov.vn']);
  const policy = mtaStsPolicy(loadConfig(made.config));
  expect(policy?.text).toBe('version: STSv1\r\nmode: enforce\r\nmx: mail.cantho.gov.vn\r\nmax_age: 604800\r\n');
  const mtaSts = made.records.filter((r) => /mta-sts|_smtp\._tls/.test(r.name));
  expect(mtaSts).toEqual([
    expect.objectContaining({ name: '_mta-sts.cantho.gov.vn.', type: 'TXT', value: `v=STSv1; id=${policy!.id}` }),
    expect.objectContaining({ name: 'mta-sts.cantho.gov.vn.', type: 'CNAME', value: 'mail.cantho.gov.vn.' }),
    expect.objectContaining({ name: '_smtp._tls.cantho.gov.vn.', type: 'TXT', value: 'v=TLSRPTv1; rua=mailto:tlsrpt@cantho.gov.vn' }),
  ]);
  expect(policy!.id).toMatch(/^[a-zA-Z0-9]{1,32}$/);
});

it('prints none of them without [mta_sts], and says how to ask for them', async () => {
  const made = await init([path.join(dir, 'off')]);
  expect(made.records.filter((r) => /mta-sts|_smtp\._tls/.test(r.name))).toEqual([]);
  const text = await runCliInProcess(['init', path.join(dir, 'off-text')]);
  expect(text.stdout).toContain('MTA-STS not configured: [mta_sts] mode or --mta-sts');
});

it('refuses a mode RFC 8461 does not have, naming the key, and writes nothing', async () => {
  const refused = await runCliInProcess(['init', path.join(dir, 'bad'), '--mta-sts', 'strict']);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/^error: .*mta_sts\.mode: /);
  expect(refused.stdout).toBe('');
});
