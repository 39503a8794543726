import type { FastifyInstance } from 'fastify';
import { DEFAULT_SEARCH_LIMIT, type DirectoryEntry } from '../../directory/index.js';
import { DirectoryError } from '../../directory/index.js';
import { toVCards, VCARD_CONTENT_TYPE } from '../../directory/index.js';
import { messagePage } from '../pages/message.js';
import { searchPage } from '../pages/search.js';
import { sendPage, signedInSession, viewerOf, type WebState } from '../state.js';
import { PATHS } from '../urls.js';

/** A query longer than any name, unit and title together is not a search. */
const MAX_QUERY = 200;

const NOTICES: Readonly<Record<string, string>> = {
  'da-doi-mat-khau': 'Đã đổi mật khẩu. Từ nay hãy dùng mật khẩu mới trong phần mềm thư trên máy tính và điện thoại.',
};

/**
 * The city's directory for signed-in officials: search (diacritic-insensitive, see
 * directory-search.ts) and vCard download of one unit or of everything. Not public: it lists
 * phone numbers and titles of people.
 */
export function directoryRoutes(app: FastifyInstance, state: WebState): void {
  const { ctx } = state;
  const domain = ctx.config.server.domain;

  app.get<{ Querystring: { q?: string; 'thong-bao'?: string } }>(PATHS.search, async (request, reply) => {
    const session = signedInSession(request, reply, false);
    if (!session) return reply;
    const query = (typeof request.query.q === 'string' ? request.query.q : '').trim().slice(0, MAX_QUERY);
    const directory = await state.directory.get();
    // One more than shown tells whether the list was cut.
    const found = query === '' ? null : directory.search(query, DEFAULT_SEARCH_LIMIT + 1);
    const noticeKey = request.query['thong-bao'];
    const notice = noticeKey === undefined ? undefined : NOTICES[noticeKey];
    return sendPage(
      reply,
      200,
      searchPage({
        domain,
        viewer: viewerOf(session)!,
        query,
        results: found === null ? null : found.slice(0, DEFAULT_SEARCH_LIMIT),
        truncatedAt: found !== null && found.length > DEFAULT_SEARCH_LIMIT ? DEFAULT_SEARCH_LIMIT : null,
        units: directory.entries.filter((e) => e.kind === 'unit'),
        ...(notice ? { notice } : {}),
      }),
    );
  });

  app.get<{ Querystring: { 'don-vi'?: string } }>(PATHS.vcard, async (request, reply) => {
    const session = signedInSession(request, reply, false);
    if (!session) return reply;
    const unit = typeof request.query['don-vi'] === 'string' ? request.query['don-vi'].trim().toLowerCase() : '';
    let entries: readonly DirectoryEntry[];
    try {
      entries = unit === '' ? (await state.directory.get()).entries : ctx.directory.listEntries(unit);
    } catch (error) {
      if (!(error instanceof DirectoryError)) throw error;
      return sendPage(
        reply,
        404,
        messagePage({
          domain,
          viewer: viewerOf(session),
          title: 'Không có đơn vị này',
          text: `Danh bạ không có đơn vị “${unit}”.`,
          link: { href: PATHS.search, label: 'Quay lại tra cứu danh bạ' },
        }),
      );
    }
    // The file name is ASCII (a tên_sd), so no RFC 6266 filename* is needed.
    const filename = unit === '' ? 'danh-ba.vcf' : `danh-ba-${unit.split('@')[0]}.vcf`;
    return reply
      .code(200)
      .type(VCARD_CONTENT_TYPE)
      .header('content-disposition', `attachment; filename="${filename}"`)
      .send(toVCards(entries));
  });
}
