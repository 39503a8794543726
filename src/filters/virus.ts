import { Readable } from 'node:stream';
import NodeClam from 'clamscan';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { refuseVerdict, scoreVerdict, type FilterOutcome, type RawFilter } from './filter.js';

/**
 * Virus scanning by clamd (INSTREAM, through the clamscan package) over the unix socket or TCP
 * from `[clamav]`. The message streams from memory to clamd; nothing touches the disk.
 *
 * Every failure mode — clamd not running, connection refused or reset, no answer within
 * `[clamav] timeout`, an answer that is neither "OK" nor "… FOUND" (e.g. "INSTREAM size limit
 * exceeded. ERROR") — is "unavailable": with on_unavailable = "tempfail" the sender is told 451
 * and retries later (RFC 5321 §4.2.5: 4yz is a transient failure); with "accept" the message is
 * delivered marked `X-Virus-Status: Unchecked` and a warning is logged. Never silently skipped.
 */
export function createVirusFilter(clamav: Config['clamav'], logger: Logger): RawFilter {
  let scanner: Promise<NodeClam> | null = null;
  const log = logger.child({ filter: 'virus' });
  const connection = clamav.host !== '' ? { host: clamav.host, port: clamav.port, socket: false as const } : { socket: clamav.socket, host: false as const, port: false as const };

  // Set up lazily and again after a failure: clamd may be started after us, or restarted.
  const getScanner = () => {
    scanner ??= new NodeClam()
      .init({
        removeInfected: false,
        debugMode: false,
        scanLog: null,
        clamscan: { active: false },
        // bypassTest: no PING at set-up, so a clamd that is down does not make set-up fail for good.
        clamdscan: { ...connection, timeout: clamav.timeout, localFallback: false, active: true, bypassTest: true },
        preference: 'clamdscan',
      })
      .catch((err: unknown) => {
        scanner = null;
        throw err;
      });
    return scanner;
  };

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
      try {
        const scan = getScanner().then((clam) => clam.scanStream(Readable.from([raw])));
        // The scan keeps running after a timeout until clamscan's own socket timeout closes it;
        // its late result (or error) must not become an unhandled rejection.
        scan.catch(() => undefined);
        const result = await Promise.race([scan, deadline]);
        if (result === 'timeout') return unavailable(`no answer within ${clamav.timeout} ms`);
        if (result.isInfected === true) {
          const signature = result.viruses.join(', ') || 'unknown';
          log.info({ signature }, 'virus found');
          return {
            verdict: refuseVerdict(
              'reject',
              { id: 'virus', score: 0, description: `virus found: ${signature}` },
              { code: 554, enhanced: '5.7.1', text: `Message contains a virus (${signature})` },
            ),
          };
        }
        if (result.isInfected === false) return { verdict: scoreVerdict([], [['X-Virus-Status', 'Clean']]) };
        return unavailable(`unexpected answer ${JSON.stringify((result.resultString ?? '').slice(0, 80))}`);
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
