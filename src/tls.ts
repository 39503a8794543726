import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import selfsigned from 'selfsigned';
import type { Config } from './config/index.js';
import type { TlsMaterial } from './context.js';

/**
 * The certificate for STARTTLS and implicit TLS: `[tls] cert`/`key` when set, else a self-signed
 * pair made once in `data_dir/tls/` so that a fresh install can offer TLS (and therefore AUTH)
 * from its first start. Replace it with a real certificate in production.
 */
export async function loadTlsMaterial(config: Config): Promise<TlsMaterial> {
  if (config.tls.cert !== '' || config.tls.key !== '') {
    return { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) };
  }
  const dir = path.join(config.paths.dataDir, 'tls');
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    const pair = await generateSelfSigned(config.server.hostname);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(keyFile, pair.key, { mode: 0o600 });
    writeFileSync(certFile, pair.cert);
  }
  return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

async function generateSelfSigned(hostname: string): Promise<{ cert: string; key: string }> {
  const notBeforeDate = new Date();
  const notAfterDate = new Date(notBeforeDate);
  notAfterDate.setFullYear(notAfterDate.getFullYear() + 5);
  const names = [hostname, 'localhost', '127.0.0.1', '::1'];
  const pems = await selfsigned.generate([{ name: 'commonName', value: hostname }], {
    // RSA: selfsigned 5 fails on EC keys ("Cannot get schema for 'AlgorithmIdentifier'").
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: names.map((name) => (isIP(name) ? { type: 7, ip: name } : { type: 2, value: name })),
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
