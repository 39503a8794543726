import type { FastifyInstance, FastifyReply } from 'fastify';
import { DirectoryError } from '../../directory/index.js';
import { assignUnitMessage, markUnitMessageHandled, readUnitInbox } from '../../maintenance/index.js';
import { asAccountId, type AccountId } from '../../store/index.js';
import type { FieldError } from '../form-fields.js';
import { messagePage } from '../pages/message.js';
import { unitMailboxListPage, unitMailboxPage } from '../pages/unit-mailbox.js';
import type { WebSession } from '../sessions.js';
import { formOf, seeOther, sendPage, signedInSession, viewerOf, type WebState } from '../state.js';
import { PATHS, unitMailboxPath } from '../urls.js';

/** Messages shown: the most recent of the INBOX (older ones are for an IMAP client). */
const RECENT_MESSAGES = 50;
const NOTICES: Readonly<Record<string, string>> = {
  'da-giao': 'Đã giao xử lý; người nhận đã có thư kèm ghi chú của bạn.',
  'da-xu-ly': 'Đã đánh dấu thư là đã xử lý.',
};

/**
 * "Hộp thư đơn vị" (Điều 9.2; docs/architecture.md "Unit mailboxes"). RFC 4314 rights decide:
 * "r" to see a unit's page, "w" (keywords) to assign or mark handled. Anyone else, and a unit that
 * does not exist, get the same 403 (invariant 3: no existence leak). Assigning runs `unit assign`'s
 * code (src/maintenance/assign-message.ts); both actions are audited with the person as actor.
 * POSTs carry the session's CSRF token (csrf.ts, checked in app.ts before any route).
 */
export function unitMailboxRoutes(app: FastifyInstance, state: WebState): void {
  const { ctx } = state;
  const domain = ctx.config.server.domain;
  const personOf = (session: WebSession) => asAccountId(session.user!.person);
  const unitAddress = (localPart: string): AccountId | null => (/^[a-z0-9._-]{1,64}$/.test(localPart) ? asAccountId(`${localPart}@${domain}`) : null);
  const mayRead = (session: WebSession, unit: AccountId | null): unit is AccountId => unit !== null && ctx.directory.rightsOn(personOf(session), unit).includes('r');
  const mayAct = (session: WebSession, unit: AccountId) => ctx.directory.rightsOn(personOf(session), unit).includes('w');
  const forbidden = (reply: FastifyReply, session: WebSession) =>
    sendPage(reply, 403, messagePage({ domain, viewer: viewerOf(session), title: 'Không có quyền', text: 'Bạn không có quyền xem hộp thư đơn vị này.', link: { href: PATHS.unitMailbox, label: 'Các hộp thư đơn vị của bạn' } }));

  const render = async (reply: FastifyReply, session: WebSession, unit: AccountId, status: number, errors: FieldError[], notice?: string) => {
    const details = ctx.directory.showUnit(unit);
    const inbox = await readUnitInbox(ctx.store, { address: unit, keepers: [...(details.head ? [details.head] : []), ...details.delegations.map((d) => d.person)] }, { rows: RECENT_MESSAGES });
    const messages = inbox?.messages ?? [];
    const oldest = messages[0]?.internalDate;
    const assignedTo = new Map<number, string>();
    if (oldest) {
      for (const row of ctx.directory.queryAudit({ subject: unit, since: oldest.toISOString() })) {
        const detail = (row.detail ?? {}) as { uid?: number; to?: string };
        if (row.action === 'unit.assign' && detail.uid !== undefined && detail.to) assignedTo.set(detail.uid, detail.to);
      }
    }
    const assignees = [...new Set([...details.members, ...(details.head ? [details.head] : []), ...details.delegations.map((d) => d.person)])].sort();
    const page = unitMailboxPage({ domain, viewer: viewerOf(session)!, unit: { localPart: unit.split('@')[0]!, name: details.name }, messages, assignedTo, assignees, mayAct: mayAct(session, unit), errors, timeZone: ctx.config.units.timezone, ...(notice ? { notice } : {}) });
    return sendPage(reply, status, page);
  };

  app.get(PATHS.unitMailbox, async (request, reply) => {
    const session = signedInSession(request, reply, false);
    if (!session) return reply;
    const units = ctx.directory.unitAccess(personOf(session)).filter((access) => access.rights.includes('r'));
    if (units.length === 0) return forbidden(reply, session);
    if (units.length === 1) return seeOther(reply, unitMailboxPath(units[0]!.unit.split('@')[0]!));
    return sendPage(reply, 200, unitMailboxListPage({ domain, viewer: viewerOf(session)!, units: units.map((u) => ({ localPart: u.unit.split('@')[0]!, name: u.unitName })) }));
  });

  app.get<{ Params: { unit: string }; Querystring: { 'thong-bao'?: string } }>(`${PATHS.unitMailbox}/:unit`, async (request, reply) => {
    const session = signedInSession(request, reply, false);
    if (!session) return reply;
    const unit = unitAddress(request.params.unit);
    if (!mayRead(session, unit)) return forbidden(reply, session);
    return render(reply, session, unit, 200, [], NOTICES[request.query['thong-bao'] ?? '']);
  });

  /** One action on one message: rights, the UID, then the action; a refusal of the directory is shown on the page. */
  const act = (path: string, notice: string, run: (unit: AccountId, uid: number, form: Readonly<Record<string, string>>, actor: AccountId) => Promise<unknown>) =>
    app.post<{ Params: { unit: string } }>(`${PATHS.unitMailbox}/:unit/${path}`, async (request, reply) => {
      const session = signedInSession(request, reply, false);
      if (!session) return reply;
      const unit = unitAddress(request.params.unit);
      if (!mayRead(session, unit) || !mayAct(session, unit)) return forbidden(reply, session);
      const form = formOf(request);
      const uid = Number(form['uid']);
      if (!Number.isInteger(uid) || uid < 1) return seeOther(reply, unitMailboxPath(request.params.unit));
      try {
        await run(unit, uid, form, personOf(session));
      } catch (error) {
        if (error instanceof DirectoryError) return render(reply, session, unit, 422, [{ field: `thu-${uid}-ghi-chu`, message: error.message }]);
        throw error;
      }
      return seeOther(reply, `${unitMailboxPath(request.params.unit)}?thong-bao=${notice}`);
    });

  act('giao', 'da-giao', async (unit, uid, form, actor) => {
    const note = (form['note'] ?? '').trim();
    if (note === '') throw new DirectoryError('invalid-input', 'Hãy ghi rõ việc cần làm.');
    return assignUnitMessage(ctx.directory, ctx.store, { unit, uid, to: (form['to'] ?? '').trim(), note, actor });
  });
  act('da-xu-ly', 'da-xu-ly', async (unit, uid, _form, actor) => markUnitMessageHandled(ctx.directory, ctx.store, { unit, uid, actor }));
}
