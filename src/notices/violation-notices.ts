import type { Logger } from 'pino';
import { accountOf } from '../directory/index.js';
import type { Config } from '../config/index.js';
import type { Directory } from '../directory/index.js';
import { NoticeAlreadySent, type PendingNotice, type PendingReport, type PendingWarning } from '../directory/index.js';
import type { ViolationView } from '../directory/index.js';
import type { MailStore } from '../store/index.js';
import { composeNotice, POSTMASTER_NAME } from './notice-message.js';
import { renderTemplate, type RenderedNotice } from './templates.js';

/**
 * Điều 10 notices: every violation warns its person by e-mail from postmaster@, and the one that
 * completes `policy.violations_before_report` within `policy.violation_window` reports to the head
 * of the unit. The outbox is the violations table (src/directory/notice-outbox.ts); this module
 * renders the Vietnamese templates and delivers straight into the recipient's INBOX with the
 * store, so the CLI (no server running) and the server send the same way.
 *
 * When: the CLI right after `violation add`; the server at start, after every violation it records
 * (filters, rate limits) and whenever another process wrote the database — so a notice owed by a
 * CLI that died after its commit is sent by the server, and one owed by a server that crashed is
 * sent at its next start.
 */

export interface NoticeDeps {
  /** The outbox and the clock, through the directory's entry. */
  readonly directory: Pick<Directory, 'pendingNotices' | 'markNoticeSent' | 'now'>;
  readonly config: Config;
  readonly store: Pick<MailStore, 'deliver'>;
  readonly logger?: Logger;
}

export interface NoticeRun {
  readonly warnings: number;
  readonly reports: number;
  /** Notices that could not be sent this time (template or store error, logged); they stay owed. */
  readonly failed: number;
}

const DAY_MS = 86_400_000;
/** Việt Nam has kept UTC+7 without daylight saving since 1975. */
const VIETNAM_OFFSET_MS = 7 * 3_600_000;

/** Sends every notice owed now; safe to run in two processes at once (see NoticeAlreadySent). */
export async function sendPendingNotices(deps: NoticeDeps): Promise<NoticeRun> {
  let warnings = 0;
  let reports = 0;
  let failed = 0;
  for (const notice of deps.directory.pendingNotices()) {
    try {
      if (await sendNotice(deps, notice)) {
        if (notice.kind === 'warning') warnings++;
        else reports++;
      }
    } catch (err) {
      failed++;
      deps.logger?.error({ err, violation: notice.violation.id, notice: notice.kind }, 'violation notice not sent; it stays owed');
    }
  }
  return { warnings, reports, failed };
}

/** Works the outbox in the server: one run at a time, and one more if asked during a run. */
export class ViolationNoticeOutbox {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly deps: NoticeDeps) {}

  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        const run = await sendPendingNotices(this.deps);
        if (run.warnings + run.reports > 0) this.deps.logger?.info(run, 'violation notices sent');
      } while (this.again);
    })()
      .catch((err: unknown) => this.deps.logger?.error({ err }, 'violation outbox failed'))
      .finally(() => {
        this.running = null;
      });
  }

  /** Resolves when no run is in progress (before the store closes). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}

/** false: the other process sent it first. */
async function sendNotice(deps: NoticeDeps, notice: PendingNotice): Promise<boolean> {
  const { directory, config } = deps;
  const domain = config.server.domain;
  const rendered = notice.kind === 'warning' ? renderWarning(config, notice) : renderReport(config, notice);
  const messageId = `violation-${notice.violation.id}-${notice.kind}@${config.server.hostname}`;
  const recipient = notice.kind === 'warning' ? notice.violation.person : notice.recipient;
  const raw = await composeNotice({
    from: { name: POSTMASTER_NAME, address: accountOf('postmaster', domain) },
    to: { name: notice.kind === 'warning' ? notice.personName : notice.recipientName, address: recipient },
    ...rendered,
    date: directory.now(),
    messageId,
  });
  const mark = () => directory.markNoticeSent(notice, messageId);
  try {
    await deps.store.deliver([{ account: recipient, folder: 'INBOX' }], raw, { inTransaction: mark });
    return true;
  } catch (err) {
    if (err instanceof NoticeAlreadySent) return false;
    throw err;
  }
}

function renderWarning(config: Config, notice: PendingWarning): RenderedNotice {
  const v = notice.violation;
  return renderTemplate(config.paths.templates, 'violation-warning', {
    ...common(config, notice.personName, notice.unitName, v),
    ma_vi_pham: String(v.id),
    thoi_diem: vietnamTime(v.createdAt),
    ly_do: v.reason,
    muc_do: v.serious ? 'nghiêm trọng' : 'thông thường',
    so_lan: String(notice.countInWindow),
  });
}

function renderReport(config: Config, notice: PendingReport): RenderedNotice {
  const serious = notice.violations.filter((v) => v.serious);
  return renderTemplate(config.paths.templates, 'violation-report', {
    ...common(config, notice.personName, notice.unitName, notice.violation),
    nguoi_nhan: notice.recipientName ?? 'Trung tâm Công nghệ thông tin (đơn vị chưa có thủ trưởng trên hệ thống)',
    so_lan: String(notice.violations.length),
    danh_sach: notice.violations
      .map((v) => `  ${v.id}. ${vietnamTime(v.createdAt)}: ${v.reason}${v.serious ? ' (nghiêm trọng)' : ''}`)
      .join('\n'),
    nghiem_trong:
      serious.length === 0
        ? 'Không có vi phạm nào được đánh giá là nghiêm trọng.'
        : `Lưu ý: ${serious.length} vi phạm được đánh giá là nghiêm trọng (mã ${serious.map((v) => v.id).join(', ')}).`,
  });
}

function common(config: Config, personName: string, unitName: string, violation: ViolationView): Record<string, string> {
  return {
    ho_ten: personName,
    dia_chi: violation.person,
    don_vi: unitName,
    ten_mien: config.server.domain,
    quan_tri: accountOf('postmaster', config.server.domain),
    thoi_han: String(Math.round(config.policy.violation_window / DAY_MS)),
    nguong: String(config.policy.violations_before_report),
  };
}

/** "14:05 ngày 28/11/2026" in Việt Nam time. */
function vietnamTime(iso: string): string {
  const t = new Date(Date.parse(iso) + VIETNAM_OFFSET_MS);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(t.getUTCHours())}:${two(t.getUTCMinutes())} ngày ${two(t.getUTCDate())}/${two(t.getUTCMonth() + 1)}/${t.getUTCFullYear()}`;
}
