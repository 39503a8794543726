import { loadConfig } from '../../src/config/index.js';
import { Directory } from '../../src/directory/index.js';
import { openDatabase, SqliteMailStore } from '../../src/store/index.js';
import { attachmentMessage } from '../../test/hostile/messages.js';
import { startReadmeServer, type Official, type ReadmeServer } from '../../test/interop/readme-server.js';
import { imapLogin } from './wire.js';

/**
 * The server under attack, started as the README does (`cantho-mail serve` in a child process
 * with the shipped config and a real clamd, test/interop/readme-server.ts). Only one key differs
 * for the bench: `[imap] allow_plaintext_auth` (loopback only), so the attack clients need no TLS.
 *
 * Three officials: the bystander (whose NOOP round trips are measured), the attacker (logged in
 * for the IMAP attacks; its INBOX holds a 255 KB and a 20 MB message), and the lockout victim.
 */
export interface Target {
  readonly server: ReadmeServer;
  readonly bystander: Official;
  readonly attacker: Official;
  readonly victim: Official;
  /** Sequence number 1 of the attacker's INBOX: 255 KB. */
  readonly mediumSize: number;
  /** UID of the 20 MB message in the attacker's INBOX. */
  readonly largeUid: number;
}

export const MEDIUM_MESSAGE_BYTES = 255 * 1024;
export const LARGE_MESSAGE_BYTES = 20 * 1024 * 1024;

export async function startTarget(): Promise<Target> {
  const server = await startReadmeServer({ passwordChange: 'config', config: { imap: { allow_plaintext_auth: true } } });
  try {
    const bystander = await server.addOfficial('Nguyễn Văn An');
    const attacker = await server.addOfficial('Trần Thị Bình');
    const victim = await server.addOfficial('Lê Văn Cường');
    await append(server.ports.imap, attacker, attachmentMessage('nho', MEDIUM_MESSAGE_BYTES));
    const largeUid = await append(server.ports.imap, attacker, attachmentMessage('lon', LARGE_MESSAGE_BYTES));
    return { server, bystander, attacker, victim, mediumSize: MEDIUM_MESSAGE_BYTES, largeUid };
  } catch (err) {
    await server.stop().catch(() => undefined);
    throw err;
  }
}

/** IMAP APPEND to INBOX (synchronizing literal); the UID from APPENDUID (RFC 4315 §3). */
async function append(port: number, official: Official, raw: Buffer): Promise<number> {
  const { wire, reply } = await imapLogin(port, official.address, official.password);
  if (!wire) throw new Error(`login of ${official.address}: ${reply}`);
  try {
    await wire.write(`A APPEND INBOX {${raw.length}}\r\n`);
    await wire.expect(/^\+/, 60_000);
    await wire.write(Buffer.concat([raw, Buffer.from('\r\n')]));
    const done = await wire.expect(/^A /, 120_000);
    const uid = /APPENDUID \d+ (\d+)/.exec(done);
    if (!uid) throw new Error(`APPEND answered ${done}`);
    return Number(uid[1]);
  } finally {
    wire.destroy();
  }
}

/**
 * `count` officials in unit `dangnhap` (addresses dn001…), added with the directory's own code
 * on the server's database (as the CLI does, while the server runs) with the production argon2
 * cost, so that their logins cost what real ones cost. Returns their addresses; idempotent.
 */
export async function addLoginCrowd(server: ReadmeServer, count: number, password: string): Promise<string[]> {
  const config = loadConfig(server.configFile);
  const db = openDatabase(config.paths.database);
  const store = new SqliteMailStore(db);
  try {
    const directory = new Directory({ db, config, store });
    const request = { actor: 'cli:bench', doc: 'BENCH/2026' };
    const addresses = Array.from({ length: count }, (_, i) => `dn${String(i + 1).padStart(3, '0')}@${config.server.domain}`);
    if (directory.mailboxOwner('dangnhap')?.kind === 'unit') return addresses;
    await directory.admin.addUnit({ localPart: 'dangnhap', name: 'Phòng đăng nhập đo' }, request);
    // argon2 hashes in libuv's thread pool (4 threads): four at a time.
    for (let i = 0; i < count; i += 4) {
      await Promise.all(
        addresses.slice(i, i + 4).map((address) => directory.admin.addPerson({ name: 'Nguyễn Văn Đăng', unit: 'dangnhap', address: address.split('@')[0]!, password }, request)),
      );
    }
    return addresses;
  } finally {
    await store.close();
  }
}
