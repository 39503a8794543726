import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createCliFixture, type CliFixture } from './cli-helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let cli: CliFixture | null = null;
let child: ChildProcess | null = null;

afterEach(() => {
  child?.kill('SIGKILL');
  child = null;
  cli?.remove();
  cli = null;
});

it('serve answers /healthz and stops cleanly on SIGTERM', async () => {
  cli = createCliFixture(
    ['[smtp]', 'mx = "127.0.0.1:0"', 'submission = "127.0.0.1:0"', 'submissions = "127.0.0.1:0"', '[imap]', 'listen = "127.0.0.1:0"', 'tls_listen = "127.0.0.1:0"', '[http]', 'listen = "127.0.0.1:0"', '[sieve]', 'managesieve = "127.0.0.1:0"', '[ldap]', 'listen = "127.0.0.1:0"', 'tls_listen = "127.0.0.1:0"', ''].join('\n'),
  );
  copyFileSync(path.join(ROOT, 'config/spam-rules.toml'), path.join(cli.dir, 'spam-rules.toml'));
  const server = spawn(process.execPath, [path.join(ROOT, 'bin/cantho-mail.mjs'), '--config', cli.configFile, 'serve'], { cwd: ROOT });
  child = server;
  let stdout = '';
  server.stdout!.setEncoding('utf8');
  const started = new Promise<string[]>((resolve, reject) => {
    server.stdout!.on('data', (chunk: string) => {
      stdout += chunk;
      const line = stdout.split('\n').find((l) => l.includes('"cantho-mail started"'));
      if (line) resolve(JSON.parse(line).listeners as string[]);
    });
    server.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  const listeners = await started;
  const web = listeners.find((l) => l.startsWith('web='))!.slice('web='.length);
  const health = await fetch(`http://${web}/healthz`);
  expect(health.status).toBe(200);

  const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
  server.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(stdout).toContain('"msg":"cantho-mail stopped"');
});
