import type net from 'node:net';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { DirectoryService, Identity, LoginFailure } from '../directory/index.js';
import { inheritProxiedPeer } from '../tcp/index.js';
import { BerError, elementLength } from './ber.js';
import { bindResponse, decodeMessage, extendedResponse, refusedResponse, RESULT, searchResultDone, type EntryAttribute, type LdapMessage, type Result } from './messages.js';
import { PagedSearches } from './paging.js';
import { runSearch } from './search.js';
import type { DirectoryTree } from './tree.js';

/** What every session shares, built by listener.ts. */
export interface LdapHost {
  readonly config: Config['ldap'];
  readonly directory: DirectoryService;
  /** The tree as it is now (rebuilt after directory changes). */
  /** Built on first use after a directory change, in time slices (tree.ts); requests meanwhile wait for it. */
  tree(): Promise<DirectoryTree>;
  readonly rootDse: readonly EntryAttribute[];
  secureContext(): tls.SecureContext;
  /** Whether a password may cross this unencrypted connection (loopback with `[imap] allow_plaintext_auth`). */
  plaintextAllowed(socket: net.Socket): boolean;
}

export const STARTTLS_OID = '1.3.6.1.4.1.1466.20037';
export const WHOAMI_OID = '1.3.6.1.4.1.4203.1.11.3';
const NOTICE_OF_DISCONNECTION_OID = '1.3.6.1.4.1.1466.20036';

/** RFC 4511 §5.1 leaves PDU sizes to the server; an address-book request is a few hundred bytes. */
export const MAX_REQUEST_BYTES = 64 * 1024;
/** Requests read ahead of the one running; past this the socket is paused (backpressure, not a buffer). */
const MAX_QUEUED_REQUESTS = 8;

/**
 * One LDAP connection. Requests are read as whole PDUs, each length checked against
 * MAX_REQUEST_BYTES before any byte of it is decoded, and run one at a time in arrival order;
 * an abandon request (§4.11) acts at once on the running or a queued operation. Malformed input
 * ends the connection with a Notice of Disconnection (§4.4.1, protocolError), as §4.1.1 asks.
 */
export class LdapSession {
  private socket: net.Socket;
  private secure: boolean;
  private pending: Buffer = Buffer.alloc(0);
  private readonly queue: LdapMessage[] = [];
  private running: LdapMessage | null = null;
  private readonly abandonedIds = new Set<number>();
  private identity: Identity | null = null;
  private boundDn = '';
  private readonly paged = new PagedSearches();
  private closed = false;
  /** Why reading stopped (bad input): the connection ends once the queued requests are answered. */
  private refusal: string | null = null;
  private readonly onData = (chunk: Buffer): void => this.receive(chunk);

  constructor(
    private readonly host: LdapHost,
    socket: net.Socket,
    secure: boolean,
    private readonly log: Logger,
  ) {
    this.socket = socket;
    this.secure = secure;
    this.listen();
  }

  private listen(): void {
    this.socket.on('data', this.onData);
    this.socket.on('close', () => {
      this.closed = true;
    });
  }

  private receive(chunk: Buffer): void {
    if (this.closed || this.refusal !== null) return;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    try {
      for (;;) {
        // RFC 4511 §4.1.1: every PDU is one LDAPMessage, a SEQUENCE.
        if (this.pending.length > 0 && this.pending[0] !== 0x30) throw new BerError('not an LDAPMessage');
        const size = elementLength(this.pending);
        if (size === null) {
          if (this.pending.length > 6) throw new BerError('length field too long');
          return;
        }
        if (size.contentBytes > MAX_REQUEST_BYTES) return this.refuseInput(`request larger than ${MAX_REQUEST_BYTES} bytes`);
        const total = size.headerBytes + size.contentBytes;
        if (this.pending.length < total) return;
        const pdu = this.pending.subarray(0, total);
        this.pending = this.pending.subarray(total);
        this.accept(decodeMessage(pdu));
        if (this.closed || this.refusal !== null) return;
      }
    } catch (error) {
      if (!(error instanceof BerError)) throw error;
      this.refuseInput(`malformed request: ${error.message}`);
    }
  }

  /**
   * Reading stops at bad input; the requests before it are still answered, then the Notice of
   * Disconnection (protocolError) ends the connection.
   */
  private refuseInput(reason: string): void {
    this.socket.off('data', this.onData);
    this.pending = Buffer.alloc(0);
    this.refusal = reason;
    if (this.running === null && this.queue.length === 0) this.disconnect(RESULT.protocolError, reason);
  }

  private accept(message: LdapMessage): void {
    const { request } = message;
    if (request.kind === 'abandon') {
      // §4.11: no response; an operation already finished is simply not found.
      if (this.running !== null && this.running.messageId === request.target) this.abandonedIds.add(request.target);
      const queued = this.queue.findIndex((m) => m.messageId === request.target);
      if (queued >= 0) this.queue.splice(queued, 1);
      return;
    }
    this.queue.push(message);
    if (this.queue.length >= MAX_QUEUED_REQUESTS) this.socket.pause();
    if (this.running === null) void this.drain();
  }

  private async drain(): Promise<void> {
    while (!this.closed) {
      const message = this.queue.shift();
      if (message === undefined) break;
      if (this.queue.length < MAX_QUEUED_REQUESTS) this.socket.resume();
      this.running = message;
      try {
        await this.perform(message);
      } catch (error) {
        // A control's value is decoded only by the operation that reads it (paging.ts).
        if (error instanceof BerError) this.disconnect(RESULT.protocolError, `malformed request: ${error.message}`);
        else {
          this.log.error({ err: error }, 'ldap: operation failed');
          this.disconnect(RESULT.unavailable, 'internal error');
        }
      } finally {
        this.abandonedIds.delete(message.messageId);
        this.running = null;
      }
    }
    if (this.refusal !== null) this.disconnect(RESULT.protocolError, this.refusal);
  }

  private async perform(message: LdapMessage): Promise<void> {
    const { messageId, request } = message;
    switch (request.kind) {
      case 'bind':
        return this.write(bindResponse(messageId, await this.bind(request.version, request.name, request.simplePassword)));
      case 'unbind':
        // §4.3: no response; the connection ends.
        this.closed = true;
        this.socket.end();
        return;
      case 'search': {
        this.log.debug({ base: request.baseObject, scope: request.scope }, 'ldap: search');
        const rootDse = request.baseObject.trim() === '' && request.scope === 'base';
        if (!rootDse && this.identity === null && !this.host.config.anonymous) {
          return this.write(searchResultDone(messageId, { code: RESULT.insufficientAccessRights, message: 'bind first: anonymous searches are not allowed here' }));
        }
        const done = await runSearch(messageId, request, message.controls, {
          tree: await this.host.tree(),
          rootDse: this.host.rootDse,
          sizeLimit: this.host.config.size_limit,
          timeLimitMs: this.host.config.time_limit,
          anonymous: this.identity === null,
          paged: this.paged,
          send: (bytes) => this.writeWithBackpressure(bytes),
          abandoned: () => this.closed || this.abandonedIds.has(messageId),
        });
        if (done.length > 0) this.write(done);
        return;
      }
      case 'extended':
        return this.extended(messageId, request.oid, request.value);
      case 'refused':
        return this.write(refusedResponse(messageId, request.responseTag, { code: RESULT.unwillingToPerform, message: 'this directory is read-only' }));
      case 'abandon':
        return;
    }
  }

  /** §4.2 simple bind; RFC 4513 §5.1 anonymous and unauthenticated binds. */
  private async bind(version: number, name: string, password: string | null): Promise<Result> {
    // §4.2.1: a bind ends the previous authentication, whatever its outcome.
    this.identity = null;
    this.boundDn = '';
    if (version !== 3) return { code: RESULT.protocolError, message: 'only LDAP version 3 is supported' };
    if (password === null) return { code: RESULT.authMethodNotSupported, message: 'only simple bind is supported' };
    if (name === '' && password === '') {
      // RFC 4513 §5.1.1: anonymous bind, refused where anonymous reading is off.
      return this.host.config.anonymous ? { code: RESULT.success } : { code: RESULT.unwillingToPerform, message: 'anonymous access is not allowed; bind with your address and password' };
    }
    // RFC 4513 §5.1.2: a name without a password is an unauthenticated bind; refused.
    if (password === '' || name === '') return { code: RESULT.unwillingToPerform, message: 'unauthenticated bind is not allowed' };
    // RFC 4513 §5.1.3 / §6.3.1: a password travels only over TLS (or loopback where allowed).
    if (!this.secure && !this.host.plaintextAllowed(this.socket)) return { code: RESULT.confidentialityRequired, message: 'use StartTLS or ldaps first' };
    const tree = await this.host.tree();
    const entry = tree.find(name);
    const uid = entry?.attributes.find((a) => a.name === 'uid')?.values[0];
    // A DN names the official through its uid; anything else is a login as IMAP takes it (an address, a tên_sd).
    const login = uid ?? name;
    const result = await this.host.directory.verifyLogin(login, password, { protocol: 'ldap', ip: this.socket.remoteAddress ?? '' });
    if (!result.ok) {
      if (result.delayMs > 0) await sleep(result.delayMs);
      return bindFailure(result.reason);
    }
    this.identity = result.identity;
    this.boundDn = entry?.dn ?? tree.findByAddress(result.identity.person)?.dn ?? '';
    this.log.info({ user: result.identity.person }, 'ldap: bind');
    return { code: RESULT.success };
  }

  private async extended(messageId: number, oid: string, value: Buffer | null): Promise<void> {
    if (oid === WHOAMI_OID) {
      // RFC 4532 §2.2: the authzId, empty when anonymous.
      const authzId = this.identity === null ? '' : `dn:${this.boundDn}`;
      return this.write(extendedResponse(messageId, { code: RESULT.success }, null, Buffer.from(authzId, 'utf8')));
    }
    if (oid === STARTTLS_OID) return this.startTls(messageId, value);
    return this.write(extendedResponse(messageId, { code: RESULT.unwillingToPerform, message: `extended operation ${oid} is not supported` }, null));
  }

  /** §4.14: StartTLS; refused on TLS already, or with other operations outstanding (§4.14.1). */
  private startTls(messageId: number, value: Buffer | null): void {
    if (this.secure || value !== null || this.queue.length > 0 || this.pending.length > 0) {
      return this.write(extendedResponse(messageId, { code: RESULT.operationsError, message: 'StartTLS is not possible now' }, STARTTLS_OID));
    }
    this.write(extendedResponse(messageId, { code: RESULT.success }, STARTTLS_OID));
    // §4.14.2: TLS starts right after the response; the client sends nothing before it has it.
    const plain = this.socket;
    plain.off('data', this.onData);
    const secured = new tls.TLSSocket(plain, { isServer: true, secureContext: this.host.secureContext() });
    inheritProxiedPeer(secured);
    secured.on('error', () => secured.destroy());
    this.socket = secured;
    this.secure = true;
    this.listen();
  }

  private write(bytes: Buffer): void {
    if (!this.closed) this.socket.write(bytes);
  }

  private async writeWithBackpressure(bytes: Buffer): Promise<void> {
    if (this.closed) return;
    if (this.socket.write(bytes)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  /** §4.4.1 Notice of Disconnection, then the connection ends. */
  disconnect(code: Result['code'], message: string): void {
    if (this.closed) return;
    this.log.info({ code, reason: message }, 'ldap: disconnect');
    const socket = this.socket;
    socket.end(extendedResponse(0, { code, message }, NOTICE_OF_DISCONNECTION_OID), () => socket.destroy());
    this.closed = true;
  }
}

/** Bind failures; an unknown login, a wrong password and a retired official answer alike (no existence leak). */
function bindFailure(reason: LoginFailure): Result {
  switch (reason) {
    case 'locked':
      return { code: RESULT.invalidCredentials, message: 'too many failed attempts; try again later' };
    case 'busy':
      return { code: RESULT.busy, message: 'the server is busy; try again shortly' };
    case 'expired':
      return { code: RESULT.invalidCredentials, message: 'the password must be changed on the web page first' };
    case 'suspended':
      return { code: RESULT.invalidCredentials, message: 'the unit is suspended' };
    case 'bad-credentials':
    case 'retired':
      return { code: RESULT.invalidCredentials, message: 'invalid credentials' };
  }
}
