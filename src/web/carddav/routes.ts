import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorStatus, type WebState } from '../state.js';
import { PATHS } from '../urls.js';
import type { AddressBooks, BooksSnapshot } from './address-books.js';
import { authenticate, BASIC_CHALLENGE } from './auth.js';
import { DavError } from './errors.js';
import { CARDDAV, DAV, errorBody, XML_CONTENT_TYPE } from './multistatus.js';
import type { Located, Viewer } from './properties.js';
import { propfind } from './propfind.js';
import { addressbookMultiget } from './report-multiget.js';
import { addressbookQuery } from './report-query.js';
import { syncCollection } from './report-sync.js';
import { bookPath, cardPath, CONTEXT_PATH, HOME_PATH, principalPath, resourceOf } from './resources.js';
import { readXml, XmlError, type XmlElement } from './xml-reader.js';

/**
 * CardDAV (RFC 6352), read-only, on the web listener. Methods: OPTIONS, GET/HEAD of a card,
 * PROPFIND (Depth 0 or 1) and REPORT (addressbook-query, addressbook-multiget, sync-collection);
 * every method that would change something answers 405 with the Allow list (RFC 9110 §15.5.6).
 * Bodies are read as text up to MAX_BODY_BYTES before the XML reader sees them (413 past it), and
 * the reader refuses DTDs and bounds depth (xml-reader.ts). Errors are DavErrors, answered here
 * with an XML `<D:error>` when a precondition is named.
 */

/** A multiget of the whole city's cards by href (about 60 bytes each) fits; anything bigger is not a CardDAV request. */
export const MAX_BODY_BYTES = 1024 * 1024;

const READ_METHODS = ['OPTIONS', 'GET', 'HEAD', 'PROPFIND', 'REPORT'] as const;
/** RFC 4918 §9 and RFC 3253 methods that write; a read-only server refuses them all. */
const WRITE_METHODS = ['PUT', 'DELETE', 'POST', 'PATCH', 'MKCOL', 'PROPPATCH', 'COPY', 'MOVE', 'LOCK', 'UNLOCK'] as const;
const ALLOW = READ_METHODS.join(', ');
/** RFC 6352 §6.1: "addressbook" in DAV: says this server does CardDAV; class 3 is RFC 4918's. */
const DAV_CLASSES = '1, 3, addressbook';

/** Fastify knows the standard methods only; these are WebDAV's (RFC 4918 §9, RFC 3253 §3.6 REPORT). */
export function addWebDavMethods(app: FastifyInstance): void {
  for (const method of ['PROPFIND', 'REPORT', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK']) app.addHttpMethod(method, { hasBody: true });
}

export function carddavRoutes(app: FastifyInstance, state: WebState): void {
  const books = state.addressBooks;
  void app.register(async (dav) => {
    // Encapsulated: WebDAV bodies are XML of any declared type (or none); the site's forms keep their parser.
    dav.removeAllContentTypeParsers();
    dav.addContentTypeParser('*', { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, (_request, body, done) => done(null, body));
    dav.setErrorHandler(async (error: Error & { statusCode?: number }, request, reply) => {
      if (error instanceof DavError) return sendDavError(reply, error);
      const status = errorStatus(error);
      if (status === 500) request.log.error({ err: error }, 'carddav request failed');
      return reply.code(status).type('text/plain; charset=utf-8').send(status === 413 ? `request body larger than ${MAX_BODY_BYTES} bytes\n` : `${error.message}\n`);
    });
    // RFC 6764 §5: the well-known URI redirects to the context path; clients PROPFIND it too, with a body.
    dav.route({
      method: ['GET', 'HEAD', 'PROPFIND', 'OPTIONS'],
      url: PATHS.carddavWellKnown,
      handler: async (_request, reply) => reply.redirect(CONTEXT_PATH, 301),
    });
    const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => handle(request, reply, state, books);
    const methods = [...READ_METHODS, ...WRITE_METHODS];
    dav.route({ method: methods, url: CONTEXT_PATH.slice(0, -1), handler });
    dav.route({ method: methods, url: `${CONTEXT_PATH}*`, handler });
  });
}

async function handle(request: FastifyRequest, reply: FastifyReply, state: WebState, books: AddressBooks): Promise<FastifyReply> {
  reply.header('dav', DAV_CLASSES);
  if (request.method === 'OPTIONS') return reply.code(200).header('allow', ALLOW).send();
  const viewer = await authenticate(request, state);
  if ((WRITE_METHODS as readonly string[]).includes(request.method)) {
    return reply.code(405).header('allow', ALLOW).type('text/plain; charset=utf-8').send('the address books are read-only\n');
  }
  const resource = resourceOf(request.url);
  if (resource === null) throw new DavError(404, 'no such resource');
  const snapshot = await books.get();
  const target = locate(resource, snapshot, viewer);
  request.log.debug({ method: request.method, resource: resource.kind, user: viewer.user }, 'carddav');
  switch (request.method) {
    case 'GET':
    case 'HEAD':
      return getCard(request, reply, target);
    case 'PROPFIND':
      return sendMultistatus(reply, propfind(target, header(request, 'depth'), bodyOf(request), snapshot, viewer));
    default:
      return sendMultistatus(reply, report(target, bodyOf(request), snapshot, viewer, state));
  }
}

/** The resource with its book and card, or 404; another official's principal is theirs alone (403). */
function locate(resource: NonNullable<ReturnType<typeof resourceOf>>, snapshot: BooksSnapshot, viewer: Viewer): Located {
  switch (resource.kind) {
    case 'root':
      return { href: CONTEXT_PATH, resource };
    case 'home':
      return { href: HOME_PATH, resource };
    case 'principal':
      if (resource.user !== viewer.user) throw new DavError(403, "another official's principal");
      return { href: principalPath(resource.user), resource };
    case 'book': {
      const book = snapshot.books.get(resource.book);
      if (book === undefined) throw new DavError(404, 'no such address book');
      return { href: bookPath(book.id), resource, book };
    }
    case 'card': {
      const book = snapshot.books.get(resource.book);
      const card = book?.cards.get(resource.card);
      if (book === undefined || card === undefined) throw new DavError(404, 'no such card');
      return { href: cardPath(book.id, card.name), resource, book, card };
    }
  }
}

/** RFC 6352 §8: the reports run on an address book; anywhere else 403 supported-report (RFC 3253 §3.6). */
function report(target: Located, body: XmlElement | null, snapshot: BooksSnapshot, viewer: Viewer, state: WebState): string {
  if (body === null) throw new DavError(400, 'REPORT needs a body');
  const unsupported = new DavError(403, `report ${body.name} is not supported here`, { ns: DAV, name: 'supported-report' });
  if (target.book === undefined || target.card !== undefined) throw unsupported;
  if (body.ns === CARDDAV && body.name === 'addressbook-query') return addressbookQuery(target.book, body, viewer);
  if (body.ns === CARDDAV && body.name === 'addressbook-multiget') return addressbookMultiget(snapshot, body, viewer);
  if (body.ns === DAV && body.name === 'sync-collection') return syncCollection(target.book, body, viewer, (book, token) => state.ctx.directory.addressBookChanges(book, token));
  throw unsupported;
}

function getCard(request: FastifyRequest, reply: FastifyReply, target: Located): FastifyReply {
  const { card } = target;
  if (card === undefined) return reply.code(405).header('allow', 'OPTIONS, PROPFIND, REPORT').type('text/plain; charset=utf-8').send('a collection has no body; use PROPFIND or REPORT\n');
  reply.header('etag', card.etag);
  // RFC 9110 §13.1.2: a client holding this version gets 304.
  if (header(request, 'if-none-match')?.split(',').some((tag) => tag.trim() === card.etag || tag.trim() === '*')) return reply.code(304).send();
  return reply.code(200).type('text/vcard; charset=utf-8').send(card.vcard);
}

function bodyOf(request: FastifyRequest): XmlElement | null {
  const text = typeof request.body === 'string' ? request.body : '';
  if (text.trim() === '') return null;
  try {
    return readXml(text);
  } catch (error) {
    if (error instanceof XmlError) throw new DavError(400, `malformed XML: ${error.message}`);
    throw error;
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendMultistatus(reply: FastifyReply, xml: string): FastifyReply {
  return reply.code(207).type(XML_CONTENT_TYPE).send(xml);
}

function sendDavError(reply: FastifyReply, error: DavError): FastifyReply {
  if (error.status === 401) reply.header('www-authenticate', BASIC_CHALLENGE);
  if (error.precondition !== undefined) return reply.code(error.status).type(XML_CONTENT_TYPE).send(errorBody(error.precondition));
  return reply.code(error.status).type('text/plain; charset=utf-8').send(`${error.message}\n`);
}
