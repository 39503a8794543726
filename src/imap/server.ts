/**
 * The IMAP listeners: STARTTLS on `imap.listen`, implicit TLS on `imap.tls_listen` (RFC 8314),
 * both with the certificate from `[tls]`. One hub per startImap() keeps the open sessions, routes
 * store changes to the sessions that have a mailbox selected or NOTIFY set, each of which keeps
 * what concerns it (one store listener in all, not one per connection), ends sessions whose login the directory withdrew, and enforces
 * `imap.max_connections_per_user` and `imap.max_connections_per_ip`.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { AppContext, RunningListener } from '../context.js';
import { acceptProxyProtocol } from '../tcp/index.js';
import { trackConnection } from '../metrics.js';
import type { AccountId, MailboxChange } from '../store/index.js';
import { encodedMetaCache, preloadEncodedMeta } from './fetch/meta-cache.js';
import { SearchRunner } from './search/search-runner.js';
import { warmUpFetchPath, type FetchWarmUp } from './warm-up.js';
import { sessionContext } from './seen-view.js';
import { COMMANDS } from './commands/index.js';
import { Session, type SessionHost } from './session.js';

class SessionHub implements SessionHost {
  /** The pair STARTTLS hands to the next session that asks (RFC 9051 §6.2.1): it follows reloads. */
  get secureContext(): tls.SecureContext {
    return this.ctx.tls.secureContext;
  }
  readonly commands = COMMANDS;
  readonly searches: SearchRunner;
  /** Open sessions and the listener that accepted each. */
  private readonly sessions = new Map<Session, string>();
  private readonly perPerson = new Map<AccountId, number>();
  /** Open sessions per client IP, and each session's IP (its socket may have forgotten it by unregister). */
  private readonly perIp = new Map<string, number>();
  private readonly ipOf = new Map<Session, string>();
  private readonly counted = new WeakSet<Session>();
  private nextId = 1;
  private readonly onStoreChange = (change: MailboxChange): void => {
    // Another process (the CLI) may have reset a password, retired someone or suspended a unit:
    // every logged-in session re-checks its login, as after a directory 'changed' (docs/architecture.md "Password lifecycle").
    if (change.kind === 'external') for (const session of [...this.sessions.keys()]) session.onDirectoryChange();
    for (const session of this.sessions.keys()) if (session.selected || session.notify) session.onStoreChange(change);
  };
  private readonly onDirectoryChange = (who: AccountId): void => {
    for (const session of [...this.sessions.keys()]) {
      const identity = session.identity;
      if (identity && (identity.person === who || identity.account === who || session.selected?.info.account === who)) session.onDirectoryChange();
    }
  };

  constructor(private readonly ctx: AppContext) {
    this.searches = new SearchRunner(ctx);
    ctx.store.events.on('change', this.onStoreChange);
    ctx.directory.events.on('changed', this.onDirectoryChange);
  }

  accept(socket: net.Socket, secure: boolean, listener: string): void {
    // Every accepted connection, those turned away below too, as the SMTP listeners count them.
    trackConnection(listener, socket);
    socket.setNoDelay(true);
    const ip = socket.remoteAddress ?? '';
    const fromIp = this.perIp.get(ip) ?? 0;
    if (fromIp >= this.ctx.config.imap.max_connections_per_ip) {
      // RFC 3501 §7.1.5: BYE as the greeting when the server will not accept this client;
      // RFC 5530 §3 UNAVAILABLE: a temporary condition, worth a later retry.
      this.ctx.logger.info({ proto: 'imap', ip }, 'connection refused: too many from this address');
      socket.end('* BYE [UNAVAILABLE] Too many connections from your address, try again later\r\n');
      socket.on('error', () => socket.destroy());
      return;
    }
    this.perIp.set(ip, fromIp + 1);
    // docs/architecture.md "Unit mailboxes", seen mode: the session reads the store through its person's own \Seen where a unit keeps it private.
    let session: Session | null = null;
    const context = sessionContext(this.ctx, () => session?.identity ?? null);
    session = new Session(context, socket, `imap-${process.pid}-${this.nextId++}`, secure, this);
    this.sessions.set(session, listener);
    this.ipOf.set(session, ip);
    session.log.debug({ remote: socket.remoteAddress, secure }, 'connection');
    session.run().catch((err: unknown) => {
      session.log.error({ err }, 'session crashed');
      session.close();
    });
  }

  registerLogin(session: Session): boolean {
    const person = session.identity!.person;
    const count = this.perPerson.get(person) ?? 0;
    if (count >= this.ctx.config.imap.max_connections_per_user) return false;
    this.perPerson.set(person, count + 1);
    this.counted.add(session);
    return true;
  }

  unregister(session: Session): void {
    this.sessions.delete(session);
    const ip = this.ipOf.get(session);
    if (ip !== undefined) {
      this.ipOf.delete(session);
      const left = (this.perIp.get(ip) ?? 1) - 1;
      if (left > 0) this.perIp.set(ip, left);
      else this.perIp.delete(ip);
    }
    this.unregisterLogin(session);
  }

  unregisterLogin(session: Session): void {
    if (!this.counted.has(session)) return;
    this.counted.delete(session);
    const person = session.identity!.person;
    const count = (this.perPerson.get(person) ?? 1) - 1;
    if (count > 0) this.perPerson.set(person, count);
    else this.perPerson.delete(person);
  }

  /** Ends the sessions a listener accepted (shutdown), RFC 3501 §7.1.5 BYE first. */
  closeSessions(listener: string): void {
    for (const [session, origin] of [...this.sessions]) {
      if (origin !== listener) continue;
      session.out.untagged('BYE Server shutting down');
      session.close();
    }
  }

  async detach(): Promise<void> {
    this.ctx.store.events.removeListener('change', this.onStoreChange);
    this.ctx.directory.events.removeListener('changed', this.onDirectoryChange);
    await this.searches.close();
  }
}

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

export async function startImap(ctx: AppContext): Promise<RunningListener[]> {
  const hub = new SessionHub(ctx);
  const servers: Array<{ name: string; server: net.Server; host: string; port: number }> = [];
  const { listen: plain, tls_listen: implicit, proxy_protocol_from: trusted } = ctx.config.imap;
  const proxyProtocol = { trusted, log: ctx.logger.child({ proto: 'imap' }) };
  if (plain) {
    const server = net.createServer((socket) => hub.accept(socket, false, 'imap'));
    acceptProxyProtocol(server, proxyProtocol);
    servers.push({ name: 'imap', server, host: plain.host, port: await listen(server, plain.host, plain.port) });
  }
  if (implicit) {
    const server = tls.createServer({ key: ctx.tls.key, cert: ctx.tls.cert }, (socket) => hub.accept(socket, true, 'imaps'));
    acceptProxyProtocol(server, proxyProtocol);
    ctx.tls.onChange(({ key, cert }) => server.setSecureContext({ key, cert }));
    server.on('tlsClientError', (err) => ctx.logger.debug({ proto: 'imap', err: err.message }, 'TLS handshake failed'));
    servers.push({ name: 'imaps', server, host: implicit.host, port: await listen(server, implicit.host, implicit.port) });
  }
  let open = servers.length;
  // The encodings the last run saved go back into memory in the background (meta-cache.ts), then
  // `[imap] warm_up` runs a sync through a session of the server's own (warm-up.ts).
  const started = performance.now();
  let warmUp: FetchWarmUp | null = null;
  const startUpWork = preloadEncodedMeta(ctx.store, encodedMetaCache, () => open === 0)
    .then(
      (loaded) => ctx.logger.debug({ proto: 'imap', loaded, ms: Math.round(performance.now() - started) }, 'encoded ENVELOPE/BODYSTRUCTURE preloaded'),
      (err: unknown) => ctx.logger.warn({ proto: 'imap', err }, 'preloading encoded ENVELOPE/BODYSTRUCTURE failed; FETCH reads them as it goes'),
    )
    .then(async () => {
      if (open === 0 || !ctx.config.imap.warm_up) return;
      const warmStarted = performance.now();
      warmUp = warmUpFetchPath(ctx, hub);
      const run = await warmUp.done;
      ctx.logger.debug({ proto: 'imap', ...run, ms: Math.round(performance.now() - warmStarted) }, run ? 'FETCH path warmed up' : 'FETCH warm-up skipped: no message to run it on');
    })
    .catch((err: unknown) => ctx.logger.debug({ proto: 'imap', err }, 'FETCH warm-up failed; the first sync warms the FETCH path'));
  return servers.map(({ name, server, host, port }) => ({
    name,
    host,
    port,
    close: async () => {
      await new Promise<void>((resolve) => {
        // server.close waits for the sockets it accepted, so end their sessions too.
        server.close(() => resolve());
        hub.closeSessions(name);
      });
      if (--open === 0) {
        warmUp?.stop();
        await startUpWork;
        await hub.detach();
      }
    },
  }));
}
