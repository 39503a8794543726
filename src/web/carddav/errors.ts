import type { PropertyName } from './multistatus.js';

/**
 * A request CardDAV refuses, answered once at the edge (routes.ts): its HTTP status, and for a
 * failed precondition (RFC 4918 §16, RFC 6352 §6.3.2.1, RFC 6578 §3.2) the element named in
 * the `<D:error>` body.
 */
export class DavError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly precondition?: PropertyName,
  ) {
    super(message);
  }
}
