import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { dkimSign } from 'mailauth';
import type { Config } from '../config/index.js';
import { defineTask, type WorkerPool } from '../workers/index.js';
import { streamPieces, type CrossingPieces } from './message-pieces.js';

/**
 * The DKIM-Signature field (CRLF-terminated) for the message `pieces` make, to put on top of them.
 * `size` is the message's (the pool's job size); `label` names it in the analysis workers' logs.
 */
export type DkimSigner = (pieces: CrossingPieces, size: number, domain: string, label?: string) => Promise<Buffer>;

interface SigningInput {
  readonly pieces: CrossingPieces;
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
  return async (pieces, size, domain, label = 'dkim') => Buffer.from(await workers.run(DKIM_SIGN, { pieces, domain, selector, privateKey }, label, size));
}

const DKIM_SIGN = defineTask<SigningInput, string>(new URL(import.meta.url), 'dkimSignTask');

/**
 * The worker side: the DKIM-Signature field, CRLF-terminated. mailauth's dkimSign takes a readable
 * stream as well as a Buffer: the message is read a chunk at a time (a spooled one from its file),
 * hashed as it goes, and never whole in memory.
 */
export async function dkimSignTask(input: SigningInput): Promise<string> {
  const key = { signingDomain: input.domain, selector: input.selector, privateKey: input.privateKey, canonicalization: 'relaxed/relaxed' };
  // mailauth signs with the entries of signatureData; keys given only at the top level produce no signature.
  const result = await dkimSign(Readable.from(streamPieces(input.pieces)), { ...key, signatureData: [key] });
  if (result.errors.length > 0 || result.signatures === '') {
    throw new Error(`DKIM signing failed for ${input.domain}: ${result.errors.map((e) => e.message).join('; ') || 'no signature'}`);
  }
  return result.signatures.replace(/\r?\n$/, '') + '\r\n';
}
