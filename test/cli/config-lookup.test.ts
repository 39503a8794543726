/**
 * Where the CLI finds its config and database (DESIGN.md "CLI"): `--config`, `$CANTHO_MAIL_CONFIG`,
 * `/etc/cantho-mail/cantho-mail.toml`, `./config/cantho-mail.toml`; no command but serve and init
 * creates a database, so a command run from the wrong directory fails instead of working on a new
 * empty one.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_LOOKUP_ORDER, locateConfigFile } from '../../src/config/index.js';
import { runProcess } from '../interop/readme-server.js';
import { createCliFixture } from './cli-helpers.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/cantho-mail.mjs');
const fixture = createCliFixture();
afterAll(() => fixture.remove());

describe('config lookup order', () => {
  const everywhere = () => true;
  it('takes --config, then $CANTHO_MAIL_CONFIG, then /etc/cantho-mail, then ./config', () => {
    expect(locateConfigFile('x.toml', { CANTHO_MAIL_CONFIG: '/e.toml' }, everywhere)).toBe(path.resolve('x.toml'));
    expect(locateConfigFile(undefined, { CANTHO_MAIL_CONFIG: '/e.toml' }, everywhere)).toBe('/e.toml');
    expect(locateConfigFile(undefined, { CANTHO_MAIL_CONFIG: '' }, everywhere)).toBe('/etc/cantho-mail/cantho-mail.toml');
    expect(locateConfigFile(undefined, {}, (file) => file !== '/etc/cantho-mail/cantho-mail.toml')).toBe(path.resolve('config/cantho-mail.toml'));
    expect(locateConfigFile(undefined, {}, () => false)).toBeNull();
  });
});

describe('the CLI without a config', () => {
  it('from / fails with exit 1, naming the database path and where it looked, and creates nothing', { timeout: 240_000 }, async () => {
    const result = await runProcess(process.execPath, [BIN, 'unit', 'list'], { cwd: '/', env: { ...process.env, CANTHO_MAIL_CONFIG: '' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `error: no database at /data/mail.db (config: no config file found (${CONFIG_LOOKUP_ORDER}), embedded defaults); ` +
        'name the installation\'s config with --config, or create it with "cantho-mail init" or "cantho-mail serve"\n',
    );
    expect(existsSync('/data/mail.db')).toBe(false);
  });

  it('with --verbose says which config file and database it uses', { timeout: 240_000 }, async () => {
    const result = await fixture.run(['--verbose', 'unit', 'list']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`config: ${fixture.configFile}\ndatabase: ${fixture.database}\n`);
  });

  it('refuses a config whose database does not exist yet', { timeout: 240_000 }, async () => {
    const missing = createCliFixture();
    try {
      const database = missing.database;
      rmSync(path.dirname(database), { recursive: true });
      const result = await missing.run(['person', 'list']);
      expect(result.code).toBe(1);
      expect(result.stderr.startsWith(`error: no database at ${database} (config: ${missing.configFile});`)).toBe(true);
      expect(existsSync(database)).toBe(false);
    } finally {
      missing.remove();
    }
  });
});
