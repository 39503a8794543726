/**
 * The set-up the IMAP benches share: a config file with only the IMAP listener (plaintext LOGIN on
 * loopback, no clamd), and one official whose INBOX is filled through the store.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Directory } from '../src/directory/index.js';
import type { startServer } from '../src/server.js';
import { asAccountId, type AccountId } from '../src/store/index.js';

export const BENCH_PASSWORD = 'Mật-khẩu-đo-1234';

/** Writes `<dir>/cantho-mail.toml` for an IMAP-only server on `port`; `imapExtra`: more `[imap]` lines. */
export function writeImapBenchConfig(dir: string, port: number, imapExtra: readonly string[] = []): string {
  const configFile = path.join(dir, 'cantho-mail.toml');
  fs.writeFileSync(
    configFile,
    [
      '[server]',
      `data_dir = ${JSON.stringify(path.join(dir, 'data'))}`,
      'log_level = "warn"',
      '[smtp]',
      'mx = ""',
      'submission = ""',
      'submissions = ""',
      '[imap]',
      `listen = "127.0.0.1:${port}"`,
      'tls_listen = ""',
      'allow_plaintext_auth = true',
      ...imapExtra,
      '[http]',
      'listen = ""',
      '[sieve]',
      'managesieve = ""',
      // Other servers on this machine may hold the LDAP defaults (3389, 3636); the IMAP benches need no LDAP.
      '[ldap]',
      'listen = ""',
      'tls_listen = ""',
      '[clamav]',
      'enabled = false',
      '[policy]',
      'require_password_change = false',
      '[spam]',
      `rules = ${JSON.stringify(path.resolve('config/spam-rules.toml'))}`,
      '',
    ].join('\n'),
  );
  return configFile;
}

/**
 * Creates one official with the directory's own code and delivers `count` messages to their
 * INBOX through the store, 64 deliveries in flight.
 */
export async function seedOfficial(
  server: Awaited<ReturnType<typeof startServer>>,
  count: number,
  messageAt: (index: number) => Buffer,
): Promise<{ address: string; account: AccountId }> {
  const request = { actor: 'cli:bench', doc: 'BENCH/2026' };
  const directory = server.context.directory as Directory;
  await directory.admin.addUnit({ localPart: 'vpbench', name: 'Văn phòng đo' }, request);
  const issued = await directory.admin.addPerson({ name: 'Nguyễn Văn An', unit: 'vpbench', password: BENCH_PASSWORD }, request);
  const account = asAccountId(issued.person.address);
  const store = server.context.store;
  await store.ensureAccount(account);
  let next = 0;
  const deliverNext = async (): Promise<void> => {
    while (next < count) await store.deliver([{ account, folder: 'INBOX' }], messageAt(next++));
  };
  await Promise.all(Array.from({ length: 64 }, deliverNext));
  return { address: issued.person.address, account };
}
