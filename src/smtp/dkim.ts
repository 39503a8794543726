import { readFileSync } from 'node:fs';
import { dkimSign } from 'mailauth';
import type { Config } from '../config/index.js';
import { asBuffer, defineTask, type WorkerPool } from '../workers/index.js';

/** `label` names the message in the analysis workers' logs. */
export type DkimSigner = (raw: Buffer, domain: string, label?: string) => Promise<Buffer>;

interface SigningInput {
  readonly raw: Uint8Array;
  readonly domain: string;
  readonly selector: string;
  readonly privateKey: string;
}

/**
 * RFC 6376 signing of outgoing mail with `[dkim] selector` and `private_key`; d= is the sender's
 * domain. Returns null when `[dkim]` is empty (no signature). The key is read once, at start-up,
 * so a missing file stops the server instead of silently sending unsigned mail. Canonicalizing and
 * hashing a message runs on a worker thread (src/workers), within `[limits] message_cpu_budget`.
 */
export function createDkimSigner(config: Config, workers: WorkerPool): DkimSigner | null {
  if (config.dkim.selector === '') return null;
  const privateKey = readFileSync(config.dkim.private_key, 'utf8');
  const selector = config.dkim.selector;
  return async (raw, domain, label = 'dkim') => {
    const signatures = await workers.run(DKIM_SIGN, { raw, domain, selector, privateKey }, label, raw.length);
    return Buffer.concat([Buffer.from(signatures), raw]);
  };
}

const DKIM_SIGN = defineTask<SigningInput, string>(new URL(import.meta.url), 'dkimSignTask');

/** The worker side: the DKIM-Signature field, CRLF-terminated. */
export async function dkimSignTask(input: SigningInput): Promise<string> {
  const key = { signingDomain: input.domain, selector: input.selector, privateKey: input.privateKey, canonicalization: 'relaxed/relaxed' };
  // mailauth signs with the entries of signatureData; keys given only at the top level produce no signature.
  const result = await dkimSign(asBuffer(input.raw), { ...key, signatureData: [key] });
  if (result.errors.length > 0 || result.signatures === '') {
    throw new Error(`DKIM signing failed for ${input.domain}: ${result.errors.map((e) => e.message).join('; ') || 'no signature'}`);
  }
  return result.signatures.replace(/\r?\n$/, '') + '\r\n';
}
