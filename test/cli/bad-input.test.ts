import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliFixture, runCli, type CliFixture } from './cli-helpers.js';

/**
 * Bad input (DESIGN.md "CLI"): each case exits 1 with one line on stderr, prints nothing on stdout, and
 * leaves every row of the database as it was.
 */

let cli: CliFixture;

beforeAll(async () => {
  cli = createCliFixture();
  for (const args of [
    ['unit', 'add', 'vpubnd', '--name', 'Văn phòng UBND thành phố', '--doc', '1/QĐ-UBND'],
    ['person', 'add', '--name', 'Nguyễn Văn An', '--unit', 'vpubnd', '--doc', '12/QĐ-VP'],
    ['person', 'add', '--name', 'Trần Thị Đào', '--unit', 'vpubnd', '--doc', '13/QĐ-VP'],
    ['person', 'retire', 'daott', '--doc', '20/QĐ-SNV'],
  ]) {
    expect((await cli.run(args)).code).toBe(0);
  }
});
afterAll(() => cli.remove());

async function expectRefused(args: readonly string[], message: string | RegExp, input?: string): Promise<void> {
  const before = cli.dump();
  const result = await cli.run(args, input);
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr.endsWith('\n')).toBe(true);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr.trimEnd()).toMatch(message);
  expect(cli.dump()).toBe(before);
}

const add = (...extra: string[]) => ['person', 'add', '--name', 'Lê Ân', '--unit', 'vpubnd', '--doc', '14/QĐ-VP', ...extra];

describe('bad input to the CLI', () => {
  it('unknown unit', () => expectRefused(['person', 'add', '--name', 'Lê Ân', '--unit', 'khongco', '--doc', '1'], 'error: unknown unit "khongco"'));
  it('duplicate address, in any case', () => expectRefused(add('--address', 'AnNV'), 'error: address annv@cantho.gov.vn is already taken'));
  it('the address of a retired person', () => expectRefused(add('--address', 'daott'), 'error: address daott@cantho.gov.vn is already taken'));
  it('reserved address', () => expectRefused(add('--address', 'postmaster'), 'error: address postmaster@cantho.gov.vn is reserved'));
  it('duplicate unit', () => expectRefused(['unit', 'add', 'VPUBND', '--name', 'x', '--doc', '1'], 'error: address vpubnd@cantho.gov.vn is already taken'));
  it('reserved unit', () => expectRefused(['unit', 'add', 'abuse', '--name', 'x', '--doc', '1'], 'error: address abuse@cantho.gov.vn is reserved'));
  it('invalid characters', () =>
    expectRefused(add('--address', 'an+le'), 'error: invalid address "an+le": may contain only a-z, 0-9, ".", "_" and "-"'));
  it('Vietnamese letters in an address', () =>
    expectRefused(add('--address', 'ânlê'), 'error: invalid address "ânlê": may contain only a-z, 0-9, ".", "_" and "-"'));
  it('too long', () => expectRefused(add('--address', 'a'.repeat(65)), /^error: invalid address "a{65}": is longer than 64 characters$/));
  it('leading dot', () => expectRefused(add('--address', '.anle'), 'error: invalid address ".anle": may not start or end with "."'));
  it('double dot', () => expectRefused(add('--address', 'an..le'), 'error: invalid address "an..le": may not contain ".."'));
  it('empty name', () => expectRefused(['person', 'add', '--name', '  ', '--unit', 'vpubnd', '--doc', '1'], 'error: the name is empty'));
  it('digits-only name', () =>
    expectRefused(['person', 'add', '--name', '12345', '--unit', 'vpubnd', '--doc', '1'], 'error: invalid name "12345": "12345" is not a word of letters'));
  it('missing --doc on person add', () =>
    expectRefused(['person', 'add', '--name', 'Lê Ân', '--unit', 'vpubnd'], "error: required option '--doc <ref>' not specified"));
  it('empty --doc', () => expectRefused(add().slice(0, -2).concat(['--doc', ' ']), /^error: missing --doc/));
  it('missing --doc on retire', () => expectRefused(['person', 'retire', 'annv'], "error: required option '--doc <ref>' not specified"));
  it('missing --doc on unit add', () => expectRefused(['unit', 'add', 'sonv', '--name', 'Sở Nội vụ'], "error: required option '--doc <ref>' not specified"));
  it('transfer of an unknown person', () =>
    expectRefused(['person', 'transfer', 'khongco', '--unit', 'vpubnd', '--doc', '1'], 'error: unknown person "khongco"'));
  it('transfer of a retired person', () =>
    expectRefused(['person', 'transfer', 'daott', '--unit', 'vpubnd', '--doc', '1'], 'error: daott@cantho.gov.vn is retired'));
  it('transfer to an unknown unit', () =>
    expectRefused(['person', 'transfer', 'annv', '--unit', 'khongco', '--doc', '1'], 'error: unknown unit "khongco"'));
  it('retire of an unknown person', () => expectRefused(['person', 'retire', 'khongco@cantho.gov.vn', '--doc', '1'], 'error: unknown person "khongco@cantho.gov.vn"'));
  it('retire of a retired person', () => expectRefused(['person', 'retire', 'daott', '--doc', '1'], 'error: daott@cantho.gov.vn is retired'));
  it('a person of another domain', () => expectRefused(['person', 'show', 'annv@example.org'], 'error: unknown person "annv@example.org"'));
  it('invalid rights', () =>
    expectRefused(['delegate', 'grant', 'vpubnd', 'annv', '--rights', 'lrq', '--doc', '1'], /^error: invalid rights "lrq": letters are "lrswipkxtea" \(RFC 4314\)$/));
  it('a password given on stdin that is too short', () =>
    expectRefused(add('--password-stdin'), 'error: the password must have at least 10 characters', 'ngắn\n'));
  it('--password-stdin with nothing on stdin', () => expectRefused(add('--password-stdin'), 'error: --password-stdin: standard input is empty', ''));
  it('an unknown command', () => expectRefused(['person', 'delete', 'annv'], /^error: unknown command 'delete'/));
  it('a date that is not one', () => expectRefused(['audit', '--since', 'hôm qua'], 'error: --since: not a date like 2026-11-01: "hôm qua"'));
});

describe('bad config', () => {
  async function expectConfigRefused(toml: string, message: string | RegExp): Promise<void> {
    const file = path.join(cli.dir, 'bad.toml');
    writeFileSync(file, `[server]\ndata_dir = ${JSON.stringify(path.join(cli.dir, 'data'))}\n${toml}`);
    const before = cli.dump();
    const result = await runCli(['--config', file, 'person', 'add', '--name', 'Lê Ân', '--unit', 'vpubnd', '--doc', '1']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr.trimEnd()).toMatch(message);
    expect(cli.dump()).toBe(before);
  }

  it('a typo in a key', () => expectConfigRefused('domian = "cantho.gov.vn"\n', /bad\.toml: server: unknown key "domian"$/));
  it('a bad port', () => expectConfigRefused('[imap]\nlisten = "127.0.0.1:99999"\n', /bad\.toml: imap\.listen: not "host:port" with a port 0-65535/));
  it('a missing file', async () => {
    const result = await runCli(['--config', path.join(cli.dir, 'khongco.toml'), 'unit', 'list']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: .*khongco\.toml: cannot read: ENOENT\n$/);
  });
});
