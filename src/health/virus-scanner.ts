import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { clamdTarget, describeClamdTarget, pingClamd } from '../filters/index.js';
import type { ComponentHealth } from './monitor.js';

/** clamd answers PING within milliseconds; a second means it is stuck or overloaded. */
const PING_TIMEOUT_MS = 2000;
/** clamd is pinged this often (more often only when `[clamav] warn_every` is shorter). */
const PING_EVERY_MS = 30_000;

/**
 * `virus scanner`: pings clamd at start and then periodically, so that `/healthz` and the log say
 * what every message would meet. While clamd cannot be reached the log gets a warning at start and
 * every `[clamav] warn_every`, naming what happens to mail: with `on_unavailable = "accept"` (the
 * development config) it is delivered with `X-Virus-Status: Unchecked`; with "tempfail" (production,
 * fail-closed) every message is answered 451 until clamd answers (src/filters/virus.ts).
 */
export class VirusScannerWatch {
  private state: ComponentHealth = { status: 'degraded', detail: 'not checked yet' };
  private timer: NodeJS.Timeout | null = null;
  private lastWarnAt = 0;
  private readonly where: string;
  private readonly log: Logger;

  constructor(
    private readonly clamav: Config['clamav'],
    logger: Logger,
  ) {
    this.where = describeClamdTarget(clamdTarget(clamav));
    this.log = logger.child({ module: 'health', component: 'virus scanner' });
  }

  /** The first PING (awaited, so the start-up log says it before "cantho-mail started"), then the timer. */
  async start(): Promise<void> {
    if (!this.clamav.enabled) {
      this.state = { status: 'degraded', detail: 'virus scanning is switched off ([clamav] enabled = false): mail is not scanned' };
      this.log.warn(this.state.detail);
      return;
    }
    await this.probe();
    if (this.state.status === 'ok') {
      const mode = this.clamav.on_unavailable === 'accept' ? 'delivered unscanned (X-Virus-Status: Unchecked)' : 'answered 451 (fail-closed)';
      this.log.info({ clamd: this.where }, `virus scanner: clamd answers; should it stop answering, mail is ${mode} ([clamav] on_unavailable = "${this.clamav.on_unavailable}")`);
    }
    this.timer = setInterval(() => void this.probe(), Math.min(PING_EVERY_MS, this.clamav.warn_every));
    this.timer.unref();
  }

  readonly check = (): ComponentHealth => this.state;

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async probe(): Promise<void> {
    const problem = await pingClamd(clamdTarget(this.clamav), PING_TIMEOUT_MS);
    const wasOk = this.state.status === 'ok';
    if (problem === null) {
      if (!wasOk && this.lastWarnAt !== 0) this.log.info({ clamd: this.where }, 'virus scanner: clamd answers again; mail is scanned');
      this.state = { status: 'ok', detail: `clamd answers at ${this.where}` };
      this.lastWarnAt = 0;
      return;
    }
    this.state = { status: 'degraded', detail: `clamd unreachable at ${this.where} (${problem}): ${this.consequence()}` };
    const now = Date.now();
    if (wasOk || this.lastWarnAt === 0 || now - this.lastWarnAt >= this.clamav.warn_every) {
      this.lastWarnAt = now;
      this.log.warn({ clamd: this.where, problem }, `virus scanner: ${this.state.detail}`);
    }
  }

  private consequence(): string {
    return this.clamav.on_unavailable === 'accept'
      ? 'mail is delivered UNSCANNED with X-Virus-Status: Unchecked ([clamav] on_unavailable = "accept", for development; production sets "tempfail")'
      : 'every message is refused with 451 until clamd answers ([clamav] on_unavailable = "tempfail", fail-closed)';
  }
}
