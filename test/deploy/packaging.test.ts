/**
 * The container and service files, checked as far as this machine can (no container engine here):
 * compose.yaml parsed as YAML (Python's yaml) against what docs/admin-guide.en.md "Container" says,
 * the Dockerfile's stages read line by line, the entrypoint run for real against temp directories,
 * the systemd unit through `systemd-analyze verify` when it is installed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runProcess } from '../interop/readme-server.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SLOW = 240_000;
const temp = mkdtempSync(path.join(os.tmpdir(), 'cm-packaging-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('compose.yaml', () => {
  const compose = JSON.parse(
    execFileSync('python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', path.join(ROOT, 'compose.yaml')], { encoding: 'utf8' }),
  ) as { services: Record<string, any>; volumes: Record<string, unknown> };

  it('runs the official ClamAV image with its own signature volume, and cantho-mail after it', () => {
    expect(compose.services.clamav.image).toMatch(/^clamav\/clamav:/);
    expect(compose.services.clamav.volumes).toEqual(['clamav-db:/var/lib/clamav']);
    const mail = compose.services['cantho-mail'];
    expect(mail.depends_on).toEqual({ clamav: { condition: 'service_healthy' } });
    expect(mail.environment.CANTHO_MAIL_CLAMD).toBe('clamav:3310');
    expect(mail.volumes).toEqual(['cantho-mail-data:/var/lib/cantho-mail', 'cantho-mail-config:/etc/cantho-mail']);
    expect(mail.read_only).toBe(true);
    expect(mail.cap_drop).toEqual(['ALL']);
    expect(mail.cap_add).toEqual(['NET_BIND_SERVICE']);
    expect(Object.keys(compose.volumes).sort()).toEqual(['cantho-mail-config', 'cantho-mail-data', 'clamav-db']);
  });
});

describe('Dockerfile', () => {
  const lines = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').split('\n');
  const stages = lines.join('\n').split(/^FROM /m).slice(1);

  it('builds in one stage and runs a supported Node LTS without compilers, as a non-root user, with a HEALTHCHECK on /healthz', () => {
    expect(stages).toHaveLength(2);
    for (const stage of stages) expect(stage).toMatch(/^node:(22|24)-/);
    const runtime = stages[1]!;
    expect(runtime).not.toMatch(/\b(g\+\+|gcc|make|python3)\b/);
    expect(runtime).toMatch(/^USER cantho-mail$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*http:\/\/127\.0\.0\.1:8080\/healthz/m);
    expect(runtime).toMatch(/^ENTRYPOINT \["\/app\/deploy\/docker-entrypoint\.sh"\]$/m);
    expect(runtime).toMatch(/^COPY --from=build --chown=root:root \/app \/app$/m);
  });
});

describe('the entrypoint', () => {
  it('runs init on an empty config volume once, then the command', { timeout: SLOW }, async () => {
    const env = { ...process.env, CANTHO_MAIL_CONFIG: path.join(temp, 'etc', 'cantho-mail.toml'), CANTHO_MAIL_DATA_DIR: path.join(temp, 'data'), CANTHO_MAIL_CLAMD: 'clamav:3310' };
    const first = await runProcess('sh', [path.join(ROOT, 'deploy/docker-entrypoint.sh'), 'unit', 'list'], { env, timeoutMs: SLOW });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`config: ${env.CANTHO_MAIL_CONFIG}`);
    const config = readFileSync(env.CANTHO_MAIL_CONFIG, 'utf8');
    expect(config).toMatch(/^host = "clamav"\nport = 3310$/m);
    expect(config).toMatch(/^on_unavailable = "tempfail"$/m);
    const second = await runProcess('sh', [path.join(ROOT, 'deploy/docker-entrypoint.sh'), 'unit', 'list'], { env, timeoutMs: SLOW });
    expect(second).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });
});

describe('systemd unit', () => {
  const unit = readFileSync(path.join(ROOT, 'deploy/cantho-mail.service'), 'utf8');

  it('is hardened and may bind the mail ports without root', () => {
    for (const line of ['ProtectSystem=strict', 'PrivateTmp=yes', 'NoNewPrivileges=yes', 'AmbientCapabilities=CAP_NET_BIND_SERVICE', 'User=cantho-mail']) {
      expect(unit.split('\n')).toContain(line);
    }
  });

  it.runIf(existsSync('/usr/bin/systemd-analyze'))('passes systemd-analyze verify', { timeout: SLOW }, async () => {
    const result = await runProcess('systemd-analyze', ['verify', path.join(ROOT, 'deploy/cantho-mail.service')], { timeoutMs: SLOW });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
  });
});
