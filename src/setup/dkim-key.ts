import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface DkimKeyFiles {
  readonly privateKeyFile: string;
  /** The `p=` value: the public key, DER SubjectPublicKeyInfo in base64 (RFC 6376 §3.6.1). */
  readonly publicKey: string;
}

/**
 * An RSA-2048 pair (RFC 8301 §3.2: at least 1024 bits, 2048 recommended; Ed25519 alone is not
 * yet verified by every receiver). The private key goes to `<dir>/<selector>.key`, mode 0600,
 * PKCS#8 PEM as `[dkim] private_key` expects; the public one is returned for the DNS record.
 * Throws when the key file exists: a key in use must never be replaced by accident.
 */
export function generateDkimKey(dir: string, selector: string): DkimKeyFiles {
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(selector)) throw new Error(`not a DKIM selector (a DNS label): ${JSON.stringify(selector)}`);
  const privateKeyFile = path.resolve(dir, `${selector}.key`);
  if (existsSync(privateKeyFile)) throw new Error(`${privateKeyFile} exists: not overwritten (a published key is in use)`);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'der' },
  });
  mkdirSync(path.dirname(privateKeyFile), { recursive: true, mode: 0o700 });
  writeFileSync(privateKeyFile, privateKey, { mode: 0o600, flag: 'wx' });
  return { privateKeyFile, publicKey: publicKey.toString('base64') };
}

/** RFC 6376 §3.6.1: the TXT value published at `<selector>._domainkey.<domain>`. */
export function dkimTxtValue(publicKey: string): string {
  return `v=DKIM1; k=rsa; p=${publicKey}`;
}
