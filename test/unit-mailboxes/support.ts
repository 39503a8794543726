/**
 * The cast of the unit-mailbox tests on the whole real server (test/helpers/server.ts): the unit vpubnd
 * with its head truonglv, two delegates — annv (default rights `lrswite`, send-as) and binhtt
 * (read only, `lr`) — and an outsider, dungdt of sotttt. Everyone has PASSWORD (ASCII, so
 * Python's imaplib can send it). `deliverToUnit` puts a message in the unit's INBOX as the MX does.
 */
import { type Directory } from '../../src/directory/index.js';
import type { MailStore } from '../../src/store/api.js';
import { asAccountId, type AccountId, type Uid } from '../../src/store/types.js';
import { TEST_DOC, startTestServer, type TestServer } from '../helpers/server.js';
import { RawClient } from '../imap/support.js';

export const PASSWORD = 'Khau-Thu-Nghiem-2026';
export const UNIT = asAccountId('vpubnd@cantho.gov.vn');
export const address = (local: string): AccountId => asAccountId(`${local}@cantho.gov.vn`);

export interface UnitServer {
  readonly server: TestServer;
  readonly store: MailStore;
  readonly directory: Directory;
  /** A message in vpubnd's INBOX; resolves with its UID. */
  deliverToUnit(subject: string, messageId?: string): Promise<Uid>;
  /** A raw IMAP client, not logged in; closed by closeClients. */
  connect(): Promise<RawClient>;
  /** A raw IMAP client logged in as `login` (e.g. "annv" or "vpubnd*annv"); closed by closeClients. */
  login(login: string): Promise<RawClient>;
  /** Closes every client connect and login opened (for afterEach). */
  closeClients(): void;
  close(): Promise<void>;
}

let sequence = 0;

export function unitMessage(subject: string, messageId = `<cv-${++sequence}-${Date.now()}@sotttt.cantho.gov.vn>`): Buffer {
  return Buffer.from(
    [
      'From: Sở Thông tin và Truyền thông <sotttt@cantho.gov.vn>',
      'To: Văn phòng UBND thành phố <vpubnd@cantho.gov.vn>',
      `Subject: ${subject}`,
      `Message-ID: ${messageId}`,
      'Date: Sat, 28 Nov 2026 08:00:00 +0700',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Kính gửi Văn phòng UBND thành phố,',
      'đề nghị xử lý công văn này.',
      '',
    ].join('\r\n'),
    'utf8',
  );
}

export async function startUnitServer(config: Parameters<typeof startTestServer>[0] = {}): Promise<UnitServer> {
  const server = await startTestServer(config);
  const store = server.server.context.store;
  await server.addUnit('vpubnd', 'Văn phòng UBND thành phố');
  await server.addUnit('sotttt', 'Sở Thông tin và Truyền thông');
  await server.addUser('Lê Văn Trưởng', { unit: 'vpubnd', address: 'truonglv', password: PASSWORD });
  await server.addUser('Nguyễn Văn An', { unit: 'vpubnd', address: 'annv', password: PASSWORD });
  await server.addUser('Trần Thị Bình', { unit: 'vpubnd', address: 'binhtt', password: PASSWORD });
  await server.addUser('Đỗ Thị Dung', { unit: 'sotttt', address: 'dungdt', password: PASSWORD });
  server.directory.admin.setUnitHead('vpubnd', 'truonglv', { actor: 'cli:test', doc: TEST_DOC });
  server.grant('vpubnd', 'annv', { sendAs: true });
  server.grant('vpubnd', 'binhtt', { rights: 'lr' });
  for (const who of ['truonglv', 'annv', 'binhtt', 'dungdt']) await store.ensureAccount(address(who));
  const clients: RawClient[] = [];
  const connect = async (): Promise<RawClient> => {
    const client = await RawClient.connect(server.ports.imap);
    clients.push(client);
    return client;
  };
  const closeClients = (): void => {
    for (const client of clients.splice(0)) client.close();
  };
  return {
    server,
    store,
    directory: server.directory,
    async deliverToUnit(subject, messageId) {
      const result = await store.deliver([{ account: UNIT, folder: 'INBOX' }], unitMessage(subject, messageId));
      return result.delivered[0]!.uid;
    },
    connect,
    async login(login) {
      const client = await connect();
      const reply = await client.command('L', `LOGIN "${login}" "${PASSWORD}"`);
      if (!reply.at(-1)!.startsWith('L OK')) throw new Error(`login ${login} failed: ${reply.join(' | ')}`);
      return client;
    },
    closeClients,
    close: () => {
      closeClients();
      return server.close();
    },
  };
}

/** The `[store]` table (or none: SQLite) a shared test file's server gets, made when its tests start (test/postgres/unit-diligence.test.ts). */
export type StoreConfig = () => Promise<NonNullable<Parameters<typeof startTestServer>[0]>['config']>;
