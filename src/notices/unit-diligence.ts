import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Directory } from '../directory/index.js';
import type { UnitInboxStore } from '../maintenance/index.js';
import type { AccountId, DiligenceStore, MailStore } from '../store/index.js';
import { sendDueDigest } from './unit-digest.js';
import type { UnitNoticeDeps } from './unit-notice.js';
import { remindOverdue } from './unit-reminders.js';
import { WorkingCalendar } from './working-calendar.js';

/**
 * Unit mailbox diligence (Điều 9.1–9.2; docs/architecture.md "Unit mailboxes"): serve runs
 * `check()` every `[units] check_every`; each run sends, per active unit with a head or a
 * delegate, the reminder of newly overdue messages (unit-reminders.ts) and the day's digest when
 * due (unit-digest.ts). One run at a time; a unit whose notice fails is logged and tried again at
 * the next run, the others go on. The clock is injected (tests move it across weekends and holidays).
 */

export interface UnitDiligenceDeps {
  readonly config: Config;
  readonly directory: Pick<Directory, 'diligenceUnits' | 'queryAudit' | 'displayName'>;
  readonly store: Pick<MailStore, 'deliver'> & UnitInboxStore;
  readonly diligence: DiligenceStore;
  readonly workers: UnitNoticeDeps['workers'];
  readonly clock: () => Date;
  readonly logger?: Logger;
}

export interface DiligenceRun {
  /** Messages named in reminders. */
  readonly reminded: number;
  /** Units that got their digest. */
  readonly digests: number;
}

export class UnitDiligence {
  private readonly calendar: WorkingCalendar;
  private running: Promise<DiligenceRun> | null = null;

  constructor(private readonly deps: UnitDiligenceDeps) {
    this.calendar = new WorkingCalendar(deps.config.units);
  }

  /** One run; a call while a run is going on waits for that run instead of starting another. */
  check(): Promise<DiligenceRun> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Resolves when no run is going on (serve's shutdown, before the store closes). */
  async idle(): Promise<void> {
    await this.running;
  }

  private async run(): Promise<DiligenceRun> {
    const { directory, logger } = this.deps;
    const now = this.deps.clock();
    const deps = { ...this.deps, calendar: this.calendar, displayName: (account: AccountId) => directory.displayName(account) };
    let reminded = 0;
    let digests = 0;
    for (const unit of directory.diligenceUnits()) {
      try {
        reminded += await remindOverdue(deps, unit, now);
        if (await sendDueDigest(deps, unit, now)) digests++;
      } catch (err) {
        logger?.error({ err, unit: unit.address }, 'unit reminder or digest not sent; tried again at the next check');
      }
    }
    return { reminded, digests };
  }
}
