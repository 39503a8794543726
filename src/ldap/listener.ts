import net from 'node:net';
import tls from 'node:tls';
import type { AppContext, RunningListener } from '../context.js';
import { BuiltOnDemand } from '../limits/index.js';
import type { MailboxChange } from '../store/index.js';
import { acceptProxyProtocol, isLoopbackClient } from '../tcp/index.js';
import { RESULT, type EntryAttribute } from './messages.js';
import { PAGED_RESULTS_OID } from './paging.js';
import { LdapSession, STARTTLS_OID, WHOAMI_OID, type LdapHost } from './session.js';
import { DirectoryTree } from './tree.js';

/** A connection idle this long is closed (RFC 4511 §5.3 lets the server end idle connections). */
const IDLE_TIMEOUT_MS = 15 * 60 * 1000;

/** The LDAP listeners: `[ldap] listen` (StartTLS, listener "ldap") and `tls_listen` ("ldaps"); an empty key starts none. */
export async function startLdap(ctx: AppContext): Promise<RunningListener[]> {
  const config = ctx.config.ldap;
  if (config.listen === null && config.tls_listen === null) return [];
  // The tree is built on first use and dropped whenever the directory may have changed: a change
  // in this process ('changed'), or a commit by another one (the CLI) that the store notices.
  const tree = new BuiltOnDemand(() => DirectoryTree.build(config.base_dn, ctx.directory.listEntries(), ctx.directory.suspendedUnits()));
  const invalidate = (): void => tree.invalidate();
  const onStoreChange = (change: MailboxChange): void => {
    if (change.kind === 'external') invalidate();
  };
  ctx.directory.events.on('changed', invalidate);
  ctx.store.events.on('change', onStoreChange);
  const host: LdapHost = {
    config,
    directory: ctx.directory,
    tree: () => tree.get(),
    rootDse: rootDse(config.base_dn),
    secureContext: () => ctx.tls.secureContext,
    plaintextAllowed: (socket) => ctx.config.imap.allow_plaintext_auth && isLoopbackClient(socket),
  };
  // Fails at start, not at the first search, when base_dn does not parse.
  await host.tree();

  const sessions = new Set<LdapSession>();
  let nextId = 1;
  const accept = (socket: net.Socket, secure: boolean, name: string): void => {
    const log = ctx.logger.child({ proto: name, cid: `ldap-${process.pid}-${nextId++}` });
    socket.on('error', () => socket.destroy());
    const session = new LdapSession(host, socket, secure, log);
    sessions.add(session);
    socket.on('close', () => sessions.delete(session));
    socket.setTimeout(IDLE_TIMEOUT_MS, () => session.disconnect(RESULT.unavailable, 'idle too long'));
  };

  const started: Array<{ name: string; server: net.Server; host: string; port: number }> = [];
  if (config.listen !== null) {
    const server = net.createServer((socket) => accept(socket, false, 'ldap'));
    acceptProxyProtocol(server, { trusted: config.proxy_protocol_from, log: ctx.logger.child({ proto: 'ldap' }) });
    started.push({ name: 'ldap', server, host: config.listen.host, port: await listen(server, config.listen.host, config.listen.port) });
  }
  if (config.tls_listen !== null) {
    const server = tls.createServer({ key: ctx.tls.key, cert: ctx.tls.cert }, (socket) => accept(socket, true, 'ldaps'));
    acceptProxyProtocol(server, { trusted: config.proxy_protocol_from, log: ctx.logger.child({ proto: 'ldaps' }) });
    ctx.tls.onChange(({ key, cert }) => server.setSecureContext({ key, cert }));
    server.on('tlsClientError', (err) => ctx.logger.debug({ proto: 'ldaps', err: err.message }, 'TLS handshake failed'));
    started.push({ name: 'ldaps', server, host: config.tls_listen.host, port: await listen(server, config.tls_listen.host, config.tls_listen.port) });
  }
  for (const s of started) ctx.logger.info({ proto: s.name, host: s.host, port: s.port }, 'listening');
  let open = started.length;
  return started.map(({ name, server, host: address, port }) => ({
    name,
    host: address,
    port,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.disconnect(RESULT.unavailable, 'server shutting down');
      });
      if (--open === 0) {
        ctx.directory.events.off('changed', invalidate);
        ctx.store.events.off('change', onStoreChange);
      }
    },
  }));
}

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as net.AddressInfo).port));
  });
}

/** RFC 4512 §5.1 root DSE: what a client reads before it binds. */
function rootDse(baseDn: string): EntryAttribute[] {
  return [
    { name: 'objectClass', values: ['top'] },
    { name: 'namingContexts', values: [baseDn] },
    { name: 'supportedLDAPVersion', values: ['3'] },
    { name: 'supportedControl', values: [PAGED_RESULTS_OID] },
    { name: 'supportedExtension', values: [STARTTLS_OID, WHOAMI_OID] },
    { name: 'vendorName', values: ['cantho-mail'] },
  ];
}
