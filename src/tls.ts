import crypto from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import type { Logger } from 'pino';
import selfsigned from 'selfsigned';
import type { Config } from './config/index.js';
import type { TlsCertificate, TlsMaterial } from './context.js';

/** Renewals write the certificate and the key one after the other: wait for both before reading. */
const SETTLE_MS = 500;

/**
 * The certificate for STARTTLS and implicit TLS: `[tls] cert`/`key` when set, else a self-signed
 * pair made once in `data_dir/tls/` so that a fresh install can offer TLS (and therefore AUTH)
 * from its first start. Replace it with a real certificate in production.
 */
export async function loadTlsCertificate(config: Config, logger: Logger): Promise<ReloadableCertificate> {
  if (config.tls.cert !== '' || config.tls.key !== '') return new ReloadableCertificate({ cert: config.tls.cert, key: config.tls.key }, logger);
  const dir = path.join(config.paths.dataDir, 'tls');
  const files = { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
  if (!existsSync(files.cert) || !existsSync(files.key)) {
    const pair = await generateSelfSigned(config.server.hostname);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(files.key, pair.key, { mode: 0o600 });
    writeFileSync(files.cert, pair.cert);
  }
  return new ReloadableCertificate(files, logger);
}

/**
 * The pair read from its two files, read again by `reload()` (SIGHUP) and when either file changes
 * (an ACME client renews in place: certbot swaps the symlinks in live/, others rewrite the files).
 * A new pair that does not load (unreadable, not PEM, key not matching the certificate) is
 * refused with a log line and the pair in use is kept: a botched renewal never takes TLS down.
 */
export class ReloadableCertificate implements TlsCertificate {
  private material: TlsMaterial;
  private context: tls.SecureContext;
  private readonly changeListeners: Array<(material: TlsMaterial) => void> = [];
  private readonly watchers: FSWatcher[] = [];
  private settleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly files: { readonly cert: string; readonly key: string },
    private readonly logger: Logger,
  ) {
    // At start an unusable pair is a config error: it stops start-up with the reason.
    this.material = { cert: readFileSync(files.cert), key: readFileSync(files.key) };
    this.context = tls.createSecureContext(this.material);
  }

  get key(): Buffer {
    return this.material.key;
  }

  get cert(): Buffer {
    return this.material.cert;
  }

  get secureContext(): tls.SecureContext {
    return this.context;
  }

  onChange(listener: (material: TlsMaterial) => void): void {
    this.changeListeners.push(listener);
  }

  /** Reads both files again; true when a new pair is now in use. */
  reload(): boolean {
    let next: TlsMaterial;
    let context: tls.SecureContext;
    try {
      next = { cert: readFileSync(this.files.cert), key: readFileSync(this.files.key) };
      context = tls.createSecureContext(next);
    } catch (error) {
      this.logger.error({ cert: this.files.cert, key: this.files.key, err: error instanceof Error ? error.message : String(error) }, 'TLS certificate not reloaded: the new pair does not load; the previous one stays in use');
      return false;
    }
    if (next.cert.equals(this.material.cert) && next.key.equals(this.material.key)) return false;
    this.material = next;
    this.context = context;
    for (const listener of this.changeListeners) listener(next);
    this.logger.info({ cert: this.files.cert, ...certificateFacts(next.cert) }, 'TLS certificate reloaded');
    return true;
  }

  /** Reloads when either file changes. The directories are watched: a renewal often replaces the file (rename, new symlink) rather than writing into it. */
  watchFiles(): void {
    const names = new Map<string, Set<string>>();
    for (const file of [this.files.cert, this.files.key]) {
      const dir = path.dirname(file);
      names.set(dir, (names.get(dir) ?? new Set()).add(path.basename(file)));
    }
    for (const [dir, basenames] of names) {
      try {
        const watcher = watch(dir, (_event, name) => {
          if (name === null || basenames.has(name.toString())) this.reloadSoon();
        });
        watcher.on('error', (error) => this.logger.warn({ dir, err: error.message }, 'TLS certificate directory no longer watched; SIGHUP still reloads'));
        this.watchers.push(watcher);
      } catch (error) {
        this.logger.warn({ dir, err: error instanceof Error ? error.message : String(error) }, 'cannot watch the TLS certificate directory; SIGHUP reloads');
      }
    }
  }

  close(): void {
    for (const watcher of this.watchers.splice(0)) watcher.close();
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = null;
  }

  private reloadSoon(): void {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      this.reload();
    }, SETTLE_MS);
    this.settleTimer.unref();
  }
}

function certificateFacts(cert: Buffer): { serial?: string; validTo?: string } {
  try {
    const x509 = new crypto.X509Certificate(cert);
    return { serial: x509.serialNumber, validTo: x509.validTo };
  } catch {
    return {};
  }
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
