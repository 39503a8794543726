/**
 * `[http] tls_listen` (docs/admin-guide.en.md "TLS"): the site over HTTPS with the `[tls]` pair,
 * the new pair served after a reload (SIGHUP calls the same reload()), the plain listener
 * redirecting pages but keeping /healthz; and the MTA-STS policy (RFC 8461 §3.3) at its
 * well-known path. Every request is made by curl, which checks the certificate against the pair
 * the test made (--cacert), so "the new pair is served" means curl trusts only the new one.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess } from '../interop/readme-server.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const HOST = 'mail.cantho.gov.vn';
const dir = mkdtempSync(path.join(os.tmpdir(), 'cm-https-'));
const installed = { cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key') };
let server: TestServer;
let httpsPort: number;

/** A self-signed pair for HOST (its own key each time), written to `<dir>/<name>.crt` and `.key`. */
function makePair(name: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`], { stdio: 'ignore' });
  return { cert, key };
}

/** Replaces the installed pair as an ACME client does: each file written aside, then renamed over. */
function install(pair: { cert: string; key: string }): void {
  for (const [from, to] of [[pair.cert, installed.cert], [pair.key, installed.key]] as const) {
    copyFileSync(from, `${to}.new`);
    renameSync(`${to}.new`, to);
  }
}

/** curl to https://HOST:port (resolved to 127.0.0.1), trusting only `ca`; status line and body. */
async function curlHttps(urlPath: string, ca: string): Promise<{ code: number; status: string; contentType: string; body: string; stderr: string }> {
  const result = await runProcess('curl', [
    '-sS', '--max-time', '30', '--cacert', ca, '--resolve', `${HOST}:${httpsPort}:127.0.0.1`,
    '-w', '\n%{http_code}\t%{content_type}', `https://${HOST}:${httpsPort}${urlPath}`,
  ]);
  const cut = result.stdout.lastIndexOf('\n');
  const [status = '', contentType = ''] = result.stdout.slice(cut + 1).split('\t');
  return { code: result.code, status, contentType, body: result.stdout.slice(0, cut), stderr: result.stderr };
}

const first = () => path.join(dir, 'first.crt');

beforeAll(async () => {
  install(makePair('first'));
  server = await startTestServer({
    config: {
      tls: installed,
      http: { tls_listen: '127.0.0.1:0' },
      mta_sts: { mode: 'enforce', mx: [HOST, '*.backup.cantho.gov.vn'], max_age: '1d', tls_rpt_rua: 'mailto:tlsrpt@cantho.gov.vn' },
    },
  });
  httpsPort = server.server.port('web-tls');
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the web listener over HTTPS', () => {
  it('serves the pages and /healthz with the [tls] certificate', async () => {
    const health = await curlHttps('/healthz', first());
    expect(health.code, health.stderr).toBe(0);
    expect(health.status).toBe('200');
    expect(JSON.parse(health.body)).toMatchObject({ status: expect.any(String) });
    const signIn = await curlHttps('/dang-nhap', first());
    expect(signIn.status).toBe('200');
    expect(signIn.body).toContain('<form');
  });

  it('redirects pages asked over plain HTTP to HTTPS, and keeps answering /healthz there', async () => {
    const plain = `http://127.0.0.1:${server.ports.http}`;
    const page = await runProcess('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', `${plain}/dang-nhap?next=%2F`]);
    expect(page.stdout).toBe(`308 https://127.0.0.1:${httpsPort}/dang-nhap?next=%2F`);
    const health = await runProcess('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `${plain}/healthz`]);
    expect(health.stdout).toBe('200');
  });

  it('takes CardDAV Basic credentials over HTTPS, and sends a plain-HTTP CardDAV request there first', async () => {
    const official = await server.addUser('Lê Thị Mai', { unit: 'vpubnd', password: 'Ben-Ninh-Kieu-2026' });
    const credentials = `${official.address}:${official.password}`;
    const plain = await runProcess('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', '-X', 'PROPFIND', '-H', 'Depth: 0', '--user', credentials, `http://127.0.0.1:${server.ports.http}/carddav/`]);
    expect(plain.stdout).toBe(`308 https://127.0.0.1:${httpsPort}/carddav/`);
    const secure = await runProcess('curl', [
      '-sS', '-X', 'PROPFIND', '-H', 'Depth: 0', '--user', credentials, '--cacert', first(), '--resolve', `${HOST}:${httpsPort}:127.0.0.1`,
      '-w', '\n%{http_code}', `https://${HOST}:${httpsPort}/carddav/`,
    ]);
    expect(secure.code, secure.stderr).toBe(0);
    expect(secure.stdout).toMatch(/<D:current-user-principal><D:href>\/carddav\/nguoi-dung\/[a-z]+\/<\/D:href>/);
    expect(secure.stdout.endsWith('\n207')).toBe(true);
  });

  it('gives the session cookie the __Host- prefix and Secure, and sends HSTS', async () => {
    const result = await runProcess('curl', ['-sS', '-D', '-', '-o', '/dev/null', '--cacert', first(), '--resolve', `${HOST}:${httpsPort}:127.0.0.1`, `https://${HOST}:${httpsPort}/dang-nhap`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^set-cookie: __Host-cm_sid=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Secure\r$/im);
    expect(result.stdout).toMatch(/^strict-transport-security: max-age=31536000\r$/im);
  });

  it('serves a renewed pair after a reload, and keeps it when a bad pair follows', async () => {
    const renewed = makePair('renewed');
    install(renewed);
    server.server.reload();
    const afterReload = await curlHttps('/healthz', renewed.cert);
    expect(afterReload.code, afterReload.stderr).toBe(0);
    expect(afterReload.status).toBe('200');
    // The old certificate is no longer what a new connection gets: curl trusting only it refuses.
    expect((await curlHttps('/healthz', first())).code).not.toBe(0);

    // A renewal gone wrong (the key of another pair) is refused; the renewed pair stays in use.
    const other = makePair('other');
    install({ cert: other.cert, key: renewed.key });
    server.server.reload();
    expect((await curlHttps('/healthz', renewed.cert)).status).toBe('200');
  });
});

describe('MTA-STS (RFC 8461)', () => {
  it('serves the policy from [mta_sts] as text/plain at /.well-known/mta-sts.txt', async () => {
    install(makePair('current'));
    server.server.reload();
    const policy = await curlHttps('/.well-known/mta-sts.txt', path.join(dir, 'current.crt'));
    expect(policy.status).toBe('200');
    expect(policy.contentType).toBe('text/plain; charset=utf-8');
    expect(policy.body).toBe('version: STSv1\r\nmode: enforce\r\nmx: mail.cantho.gov.vn\r\nmx: *.backup.cantho.gov.vn\r\nmax_age: 86400\r\n');
  });
});
