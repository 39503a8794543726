import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../cli/cli-helpers.js';
import { TEST_DOC } from '../helpers/server.js';
import { curl, PEOPLE, startWebHarness, type WebHarness } from './support.js';

/**
 * A CardDAV client nobody here wrote: Debian's vdirsyncer (installed by scripts/test-all.sh)
 * discovers the books from the server root (RFC 6764 §5, current-user-principal,
 * addressbook-home-set), syncs the city's book into a folder of .vcf files, and after one
 * `cantho-mail person add` (the CLI, another connection to the database) fetches only the new card.
 */

const execFileAsync = promisify(execFile);

let web: WebHarness;
let dir: string;
let configFile: string;

beforeAll(async () => {
  web = await startWebHarness();
  dir = path.join(web.server.dataDir, 'vdirsyncer');
  mkdirSync(path.join(dir, 'contacts', 'thanh-pho'), { recursive: true });
  configFile = path.join(dir, 'config');
  writeFileSync(
    configFile,
    [
      '[general]',
      `status_path = "${path.join(dir, 'status')}/"`,
      '',
      '[pair danh_ba]',
      'a = "danh_ba_local"',
      'b = "danh_ba_server"',
      'collections = ["thanh-pho"]',
      '',
      '[storage danh_ba_local]',
      'type = "filesystem"',
      `path = "${path.join(dir, 'contacts')}/"`,
      'fileext = ".vcf"',
      '',
      '[storage danh_ba_server]',
      'type = "carddav"',
      `url = "${web.url}/"`,
      `username = "${PEOPLE.dao.address}"`,
      `password = "${PEOPLE.dao.password}"`,
      'read_only = true',
      '',
    ].join('\n'),
  );
}, 240_000);

afterAll(async () => {
  await web?.close();
});

async function vdirsyncer(...args: string[]): Promise<string> {
  const { stdout, stderr } = await execFileAsync('vdirsyncer', ['--config', configFile, ...args], { encoding: 'utf8', timeout: 120_000 });
  return stdout + stderr;
}

const cardsOnDisk = (): string[] => readdirSync(path.join(dir, 'contacts', 'thanh-pho')).sort();

describe('vdirsyncer', () => {
  it('syncs the directory, then only the card of the official added by the CLI', async () => {
    await vdirsyncer('discover');
    const first = await vdirsyncer('sync');
    const files = cardsOnDisk();
    // Two units and three officials.
    expect(files).toHaveLength(5);
    const texts = files.map((f) => readFileSync(path.join(dir, 'contacts', 'thanh-pho', f), 'utf8'));
    expect(texts.some((t) => t.includes('FN:Nguyễn Văn Ân') && t.includes('TITLE:Chánh Văn phòng'))).toBe(true);
    expect(first.match(/Copying \(uploading\) item/g)).toHaveLength(5);

    const configToml = path.join(dir, 'cantho-mail.toml');
    writeFileSync(configToml, `[server]\ndata_dir = ${JSON.stringify(web.server.dataDir)}\n`);
    const added = await runCliInProcess(['--config', configToml, 'person', 'add', '--name', 'Võ Thị Cúc', '--unit', 'sotttt', '--title', 'Phó Giám đốc', '--doc', TEST_DOC]);
    expect(added.code).toBe(0);
    // The server learns of the CLI's commit by polling the database (DESIGN.md "CLI"): wait until it shows the card.
    for (let attempt = 0; attempt < 100; attempt++) {
      const card = await curl(`${web.url}/carddav/danh-ba/thanh-pho/cucvt.vcf`, ['--user', `${PEOPLE.dao.address}:${PEOPLE.dao.password}`]);
      if (card.status === 200) break;
      await sleep(200);
    }

    const second = await vdirsyncer('sync');
    expect(second.match(/Copying \(uploading\) item/g)).toHaveLength(1);
    expect(cardsOnDisk()).toHaveLength(6);
    const newFiles = cardsOnDisk().filter((f) => !files.includes(f));
    expect(readFileSync(path.join(dir, 'contacts', 'thanh-pho', newFiles[0]!), 'utf8')).toContain('FN:Võ Thị Cúc');
  });
});
