import { readFileSync } from 'node:fs';
import { dkimSign } from 'mailauth';
import type { Config } from '../config/index.js';

export type DkimSigner = (raw: Buffer, domain: string) => Promise<Buffer>;

/**
 * RFC 6376 signing of outgoing mail with `[dkim] selector` and `private_key`; d= is the sender's
 * domain. Returns null when `[dkim]` is empty (no signature). The key is read once, at start-up,
 * so a missing file stops the server instead of silently sending unsigned mail.
 */
export function createDkimSigner(config: Config): DkimSigner | null {
  if (config.dkim.selector === '') return null;
  const privateKey = readFileSync(config.dkim.private_key, 'utf8');
  const selector = config.dkim.selector;
  return async (raw, domain) => {
    const key = { signingDomain: domain, selector, privateKey, canonicalization: 'relaxed/relaxed' };
    // mailauth signs with the entries of signatureData; keys given only at the top level produce no signature.
    const result = await dkimSign(raw, { ...key, signatureData: [key] });
    if (result.errors.length > 0 || result.signatures === '') {
      throw new Error(`DKIM signing failed for ${domain}: ${result.errors.map((e) => e.message).join('; ') || 'no signature'}`);
    }
    return Buffer.concat([Buffer.from(result.signatures.replace(/\r?\n$/, '') + '\r\n'), raw]);
  };
}
