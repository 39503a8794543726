import { UNIT_MAILBOX_PATH, webBaseUrl, type Config } from '../config/index.js';
import { accountOf, type DiligenceUnit } from '../directory/index.js';
import type { AccountId, DiligenceRecord, MailStore } from '../store/index.js';
import { asBuffer, type WorkerPool } from '../workers/index.js';
import { COMPOSE_NOTICE, POSTMASTER_NAME, type NoticeMessage } from './notice-message.js';
import type { RenderedNotice } from './templates.js';

/**
 * What the unit reminders and digests share (docs/architecture.md "Unit mailboxes"): the
 * placeholders naming the unit, and one delivery of one message to the unit's head and delegates,
 * with the record of it in the unit diligence memory written in the delivery's own transaction.
 */

export interface UnitNoticeDeps {
  readonly config: Config;
  readonly store: Pick<MailStore, 'deliver'>;
  /** The analysis workers compose and analyse the notice: one naming a thousand messages is a large message (docs/architecture.md invariant 2). */
  readonly workers: Pick<WorkerPool, 'run'>;
  readonly displayName: (account: AccountId) => string | null;
}

export function unitPlaceholders(config: Config, unit: DiligenceUnit): Record<string, string> {
  return {
    don_vi: unit.name,
    dia_chi_don_vi: unit.address,
    ten_sd_don_vi: unit.address.split('@')[0]!,
    trang_web: `${webBaseUrl(config)}${UNIT_MAILBOX_PATH}`,
    quan_tri: accountOf('postmaster', config.server.domain),
  };
}

export async function sendUnitNotice(deps: UnitNoticeDeps, unit: DiligenceUnit, rendered: RenderedNotice, kind: string, now: Date, record: DiligenceRecord): Promise<void> {
  const { config } = deps;
  const notice: NoticeMessage = {
    from: { name: POSTMASTER_NAME, address: accountOf('postmaster', config.server.domain) },
    to: unit.keepers.map((address) => ({ name: deps.displayName(address), address })),
    ...rendered,
    date: now,
    messageId: `${kind}-${now.getTime()}-${unit.address.replace('@', '.')}@${config.server.hostname}`,
  };
  const composed = await deps.workers.run(COMPOSE_NOTICE, notice, kind, Buffer.byteLength(rendered.text));
  await deps.store.deliver(
    unit.keepers.map((account) => ({ account, folder: 'INBOX' as const })),
    asBuffer(composed.raw),
    { analysis: composed.analysis, diligence: record },
  );
}

/** "5,5": Vietnamese writes a decimal comma. */
export function formatHours(hours: number): string {
  return hours.toFixed(1).replace('.', ',');
}
