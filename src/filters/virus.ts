import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { scanInstream, type ClamdTarget } from './clamd.js';
import { refuseVerdict, scoreVerdict, type FilterOutcome, type RawFilter } from './filter.js';

/**
 * Virus scanning by clamd (INSTREAM, clamd.ts) over the unix socket or TCP from `[clamav]`. The
 * message goes from memory to clamd; nothing touches our disk.
 *
 * Every failure mode — clamd not running, connection refused or reset, no answer within
 * `[clamav] timeout`, an answer that is neither "OK" nor "… FOUND" (e.g. "INSTREAM size limit
 * exceeded. ERROR") — is "unavailable": with on_unavailable = "tempfail" the sender is told 451
 * and retries later (RFC 5321 §4.2.5: 4yz is a transient failure); with "accept" the message is
 * delivered marked `X-Virus-Status: Unchecked` and a warning is logged. Never silently skipped.
 */
export function createVirusFilter(clamav: Config['clamav'], logger: Logger): RawFilter {
  const log = logger.child({ filter: 'virus' });
  const target: ClamdTarget = clamav.host !== '' ? { host: clamav.host, port: clamav.port } : { socket: clamav.socket };

  const unavailable = (problem: string): FilterOutcome => {
    if (clamav.on_unavailable === 'accept') {
      log.warn({ problem }, 'clamd unavailable: message accepted unscanned (on_unavailable = "accept")');
      return {
        verdict: scoreVerdict([{ id: 'virus:unchecked', score: 0, description: `not scanned: ${problem}` }], [['X-Virus-Status', 'Unchecked']]),
      };
    }
    log.warn({ problem }, 'clamd unavailable: message tempfailed');
    return {
      verdict: refuseVerdict(
        'tempfail',
        { id: 'virus:unavailable', score: 0, description: `virus scanner unavailable: ${problem}` },
        { code: 451, enhanced: '4.3.0', text: 'Virus scanner unavailable, try again later' },
      ),
    };
  };

  return {
    name: 'virus',
    async check(raw) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), clamav.timeout);
      });
      const scan = scanInstream(target, raw);
      try {
        const answer = await Promise.race([scan.answer, deadline]);
        if (answer === 'timeout') {
          // Gone from clamd's view too: it stops reading, and its late answer cannot arrive.
          scan.abort();
          scan.answer.catch(() => undefined);
          return unavailable(`no answer within ${clamav.timeout} ms`);
        }
        if (answer.kind === 'infected') {
          log.info({ signature: answer.signature }, 'virus found');
          return {
            verdict: refuseVerdict(
              'reject',
              { id: 'virus', score: 0, description: `virus found: ${answer.signature}` },
              { code: 554, enhanced: '5.7.1', text: `Message contains a virus (${answer.signature})` },
            ),
          };
        }
        if (answer.kind === 'clean') return { verdict: scoreVerdict([], [['X-Virus-Status', 'Clean']]) };
        return unavailable(`unexpected answer ${JSON.stringify(answer.answer.slice(0, 80))}`);
      } catch (err) {
        return unavailable(describe(err));
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function describe(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const text = err instanceof Error ? err.message : String(err);
  return (code ? `${code}: ` : '') + text.split('\n')[0]!.slice(0, 200);
}
