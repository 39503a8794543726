import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  accountRules,
  HandWrittenScriptError,
  MAX_MAIL_RULES,
  outOfOfficeProblems,
  redirectPolicy,
  saveAccountRules,
  SieveScriptError,
  type MailRule,
  type MailRules,
  type OutOfOffice,
  type OutOfOfficeProblem,
} from '../../sieve/index.js';
import { asAccountId } from '../../store/index.js';
import type { FieldError } from '../form-fields.js';
import { mailRulesPage, outOfOfficePage } from '../pages/mail-rules.js';
import { formOf, seeOther, sendPage, signedInSession, viewerOf, type WebState } from '../state.js';
import type { WebSession } from '../sessions.js';
import { PATHS } from '../urls.js';

const SAVED = 'Đã lưu. Thư đến từ bây giờ được xử lý theo cài đặt mới.';
/** RFC 5321 §4.1.2 shape, enough to refuse typing mistakes; the domain check is the policy's. */
const ADDRESS = /^[^\s@<>()",;]{1,64}@[a-z0-9.-]{1,190}$/i;

const OUT_OF_OFFICE_PROBLEMS: Readonly<Record<OutOfOfficeProblem, FieldError>> = {
  'bad-start': { field: 'tu-ngay', message: 'Ngày bắt đầu không hợp lệ.' },
  'bad-end': { field: 'den-ngay', message: 'Ngày kết thúc không hợp lệ.' },
  'end-before-start': { field: 'den-ngay', message: 'Ngày kết thúc phải sau ngày bắt đầu.' },
  'dates-unsupported': {
    field: 'tu-ngay',
    message: 'Máy chủ này chưa hỗ trợ ngày bắt đầu, kết thúc (phần mở rộng Sieve “date”). Hãy để trống hai ô ngày và tắt khi trở lại.',
  },
  'subject-too-long': { field: 'tieu-de', message: 'Tiêu đề dài quá 200 ký tự.' },
  'missing-message': { field: 'noi-dung-tra-loi', message: 'Hãy nhập nội dung thư trả lời.' },
  'message-too-long': { field: 'noi-dung-tra-loi', message: 'Nội dung dài quá 8000 ký tự.' },
};

/** The out-of-office form, checked field by field (the page's own words for each refusal). */
function outOfOfficeForm(form: Readonly<Record<string, string>>): { ooo: OutOfOffice; errors: FieldError[] } {
  const start = (form['start'] ?? '').trim();
  const end = (form['end'] ?? '').trim();
  const ooo: OutOfOffice = {
    enabled: form['enabled'] === '1',
    start: start === '' ? null : start,
    end: end === '' ? null : end,
    subject: (form['subject'] ?? '').replace(/[\r\n]+/g, ' ').trim(),
    message: (form['message'] ?? '').replace(/\r\n/g, '\n').trim(),
  };
  return { ooo, errors: outOfOfficeProblems(ooo).map((problem) => OUT_OF_OFFICE_PROBLEMS[problem]) };
}

/** The "add a rule" form; `isLocalDomain` keeps forwards inside the city's domains (Điều 8.5). */
function ruleForm(form: Readonly<Record<string, string>>, isLocalDomain: (domain: string) => boolean): { rule: MailRule | null; errors: FieldError[] } {
  const field = form['field'];
  const contains = (form['contains'] ?? '').trim();
  const errors: FieldError[] = [];
  if (contains === '' || contains.length > 200) errors.push({ field: 'co-chua', message: 'Hãy nhập chữ cần tìm (tối đa 200 ký tự).' });
  let action: MailRule['action'] | null = null;
  if (form['action'] === 'move') {
    const folder = (form['folder'] ?? '').trim();
    if (folder === '' || folder.length > 200 || /[\x00-\x1f\x7f]/.test(folder)) errors.push({ field: 'thu-muc', message: 'Hãy nhập tên thư mục.' });
    else action = { kind: 'move', folder };
  } else if (form['action'] === 'mark-read') {
    action = { kind: 'mark-read' };
  } else if (form['action'] === 'forward') {
    const address = (form['address'] ?? '').trim().toLowerCase();
    if (!ADDRESS.test(address)) errors.push({ field: 'chuyen-den', message: 'Địa chỉ chuyển tiếp không hợp lệ.' });
    else if (!isLocalDomain(address.slice(address.lastIndexOf('@') + 1))) {
      errors.push({ field: 'chuyen-den', message: 'Chỉ được chuyển tiếp thư công vụ đến địa chỉ của thành phố (Điều 8.5).' });
    } else action = { kind: 'forward', address };
  }
  if (field !== 'from' && field !== 'to' && field !== 'subject') errors.push({ field: 'truong', message: 'Hãy chọn người gửi, người nhận hoặc tiêu đề.' });
  if (action === null && errors.length === 0) errors.push({ field: 'hanh-dong', message: 'Hãy chọn việc cần làm.' });
  if (errors.length > 0 || action === null) return { rule: null, errors };
  return { rule: { field: field as MailRule['field'], contains, action }, errors };
}

/**
 * "Trả lời tự động" and "Quy tắc lọc thư" (docs/architecture.md "Mail rules"): both edit the one
 * generated Sieve script of the signed-in official, checked by src/sieve before it is saved;
 * each save is in the audit log.
 */
export function mailRulesRoutes(app: FastifyInstance, state: WebState): void {
  const { ctx } = state;
  const domain = ctx.config.server.domain;
  const isLocalDomain = (d: string) => ctx.directory.isLocalDomain(d);
  const policy = redirectPolicy(ctx.config.sieve, isLocalDomain);
  const accountOf = (session: WebSession) => asAccountId(session.user!.person);
  const noticeOf = (query: { 'thong-bao'?: string }) => (query['thong-bao'] === 'da-luu' ? SAVED : undefined);

  /** Saves the rules; on a refusal answers with the page and returns null. */
  const save = async (session: WebSession, reply: FastifyReply, rules: MailRules, what: string, render: (errors: FieldError[]) => Promise<string>): Promise<FastifyReply | null> => {
    const account = accountOf(session);
    try {
      await saveAccountRules(ctx.sieve, account, rules, policy);
    } catch (error) {
      if (error instanceof HandWrittenScriptError) return sendPage(reply, 409, await render([]));
      if (error instanceof SieveScriptError) return sendPage(reply, 422, await render([{ field: 'co-chua', message: `Máy chủ từ chối quy tắc: ${error.detail}` }]));
      throw error;
    }
    ctx.directory.audit({ actor: account, action: 'sieve.rules', subject: account, detail: { change: what, rules: rules.rules.length, outOfOffice: rules.outOfOffice.enabled } });
    return null;
  };

  app.get<{ Querystring: { 'thong-bao'?: string } }>(PATHS.outOfOffice, async (request, reply) => {
    const session = signedInSession(request, reply, false);
    if (!session) return reply;
    const notice = noticeOf(request.query);
    const current = await accountRules(ctx.sieve, accountOf(session));
    return sendPage(reply, 200, outOfOfficePage({ domain, viewer: viewerOf(session)!, current, errors: [], ...(notice ? { notice } : {}) }));
  });

  app.post(PATHS.outOfOffice, async (request, reply) => {
    const session = signedInSession(request, reply, false);
    if (!session) return reply;
    const current = await accountRules(ctx.sieve, accountOf(session));
    const { ooo, errors } = outOfOfficeForm(formOf(request));
    const render = async (problems: FieldError[]) => outOfOfficePage({ domain, viewer: viewerOf(session)!, current: await accountRules(ctx.sieve, accountOf(session)), errors: problems, form: ooo });
    if (current.kind === 'hand-written') return sendPage(reply, 409, await render([]));
    if (errors.length > 0) return sendPage(reply, 422, await render(errors));
    const refused = await save(session, reply, { ...current.rules, outOfOffice: ooo }, 'out-of-office', render);
    return refused ?? seeOther(reply, `${PATHS.outOfOffice}?thong-bao=da-luu`);
  });

  app.get<{ Querystring: { 'thong-bao'?: string } }>(PATHS.mailRules, async (request, reply) => {
    const session = signedInSession(request, reply, false);
    if (!session) return reply;
    const notice = noticeOf(request.query);
    const current = await accountRules(ctx.sieve, accountOf(session));
    return sendPage(reply, 200, mailRulesPage({ domain, viewer: viewerOf(session)!, current, errors: [], ...(notice ? { notice } : {}) }));
  });

  app.post(PATHS.mailRules, async (request, reply) => {
    const session = signedInSession(request, reply, false);
    if (!session) return reply;
    const form = formOf(request);
    const current = await accountRules(ctx.sieve, accountOf(session));
    const render = async (problems: FieldError[]) => mailRulesPage({ domain, viewer: viewerOf(session)!, current: await accountRules(ctx.sieve, accountOf(session)), errors: problems, draft: form });
    if (current.kind === 'hand-written') return sendPage(reply, 409, await render([]));
    const { rule, errors } = ruleForm(form, isLocalDomain);
    if (rule === null) return sendPage(reply, 422, await render(errors));
    if (current.rules.rules.length >= MAX_MAIL_RULES) return sendPage(reply, 422, await render([{ field: 'co-chua', message: `Đã có ${MAX_MAIL_RULES} quy tắc, không thêm được nữa.` }]));
    const refused = await save(session, reply, { ...current.rules, rules: [...current.rules.rules, rule] }, 'rule-added', render);
    return refused ?? seeOther(reply, `${PATHS.mailRules}?thong-bao=da-luu`);
  });

  app.post(PATHS.mailRulesDelete, async (request, reply) => {
    const session = signedInSession(request, reply, false);
    if (!session) return reply;
    const current = await accountRules(ctx.sieve, accountOf(session));
    const render = async (problems: FieldError[]) => mailRulesPage({ domain, viewer: viewerOf(session)!, current: await accountRules(ctx.sieve, accountOf(session)), errors: problems });
    if (current.kind === 'hand-written') return sendPage(reply, 409, await render([]));
    const index = Number(formOf(request)['index']);
    if (!Number.isInteger(index) || index < 0 || index >= current.rules.rules.length) return seeOther(reply, PATHS.mailRules);
    const rules = current.rules.rules.filter((_rule, i) => i !== index);
    const refused = await save(session, reply, { ...current.rules, rules }, 'rule-removed', render);
    return refused ?? seeOther(reply, `${PATHS.mailRules}?thong-bao=da-luu`);
  });
}
