import type { DNSResolver } from 'mailauth';

/**
 * A TXT answer as a verdict cache's key holds it (spf-verdicts.ts, dmarc-verdicts.ts): the
 * records, or the failure's code. A verdict is reused only while the record it was computed from
 * is still the one published, so a changed record is seen by the next message.
 */
export function recordKey(name: string, resolver: DNSResolver): Promise<string> {
  return resolver(name, 'TXT').then(
    (records) => JSON.stringify(records),
    (error: NodeJS.ErrnoException) => `error ${error?.code ?? ''}`,
  );
}
