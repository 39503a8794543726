import { createHash } from 'node:crypto';
import type { Config } from './schema.js';

/** RFC 8461 §3.3: the policy is fetched from this path on the host `mta-sts.<domain>`, over HTTPS only. */
export const MTA_STS_POLICY_PATH = '/.well-known/mta-sts.txt';

export interface MtaStsPolicy {
  /** The policy file as served (RFC 8461 §3.2), lines ending in CRLF. */
  readonly text: string;
  /**
   * The `id=` of the `_mta-sts` TXT record (RFC 8461 §3.1: 1–32 alphanumerics, changed whenever
   * the policy changes): derived from the policy text, so a changed policy gets a new id by itself
   * and the admin only has to publish the record `init` prints again.
   */
  readonly id: string;
}

/** The policy `[mta_sts]` describes, or null when `mode` is empty (no MTA-STS). */
export function mtaStsPolicy(config: Config): MtaStsPolicy | null {
  const { mode, mx, max_age } = config.mta_sts;
  if (mode === '') return null;
  const hosts = mx.length > 0 ? mx : [config.server.hostname];
  const lines = ['version: STSv1', `mode: ${mode}`, ...hosts.map((host) => `mx: ${host}`), `max_age: ${Math.floor(max_age / 1000)}`];
  const text = lines.map((line) => `${line}\r\n`).join('');
  const id = createHash('sha256').update(text).digest('hex').slice(0, 20);
  return { text, id };
}
