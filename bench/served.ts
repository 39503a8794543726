/**
 * cantho-mail as the benches measure it "served": `node bin/cantho-mail.mjs serve` as a child
 * process from a copy of the shipped config, with a real clamd, accounts made with the real CLI
 * (test/interop/readme-server.ts, the README's start-up path). Over the shipped config only what a
 * bench on loopback needs: plaintext LOGIN on 127.0.0.1 (Dovecot is measured without TLS too),
 * room for the IDLE bench's connections, warn-level logs, and the official's first password kept
 * (`policy.require_password_change = false`).
 */
import { startReadmeServer, type Official, type ReadmeServer } from '../test/interop/readme-server.js';

/** ASCII, so that Python's imaplib can send it as a quoted string. */
export const SERVED_PASSWORD = 'Do-Hieu-Nang-2026';

export interface ServedCanthoMail {
  readonly server: ReadmeServer;
  /** annv@cantho.gov.vn (or the address the CLI gave), password SERVED_PASSWORD. */
  readonly official: Official;
}

export async function startServedCanthoMail(options: { connections?: number } = {}): Promise<ServedCanthoMail> {
  const connections = (options.connections ?? 100) + 10;
  const server = await startReadmeServer({
    passwordChange: 'config',
    config: {
      server: { log_level: 'warn' },
      imap: { allow_plaintext_auth: true, max_connections_per_user: connections, max_connections_per_ip: connections },
    },
  });
  try {
    const official = await server.addOfficial('Nguyễn Văn An', { password: SERVED_PASSWORD });
    return { server, official };
  } catch (err) {
    await server.stop().catch(() => undefined);
    throw err;
  }
}
