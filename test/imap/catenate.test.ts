/**
 * RFC 4469 CATENATE: APPEND builds a message from TEXT literals and RFC 5092 URLs of the user's
 * own messages (relative and absolute, sections and partial ranges); `NO [BADURL …]` for a URL it
 * cannot or may not resolve, `NO [TOOBIG]` past APPENDLIMIT, all or nothing with MULTIAPPEND.
 * Exact replies and stored bytes over a raw socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAccountId } from '../../src/store/types.js';
import { NESTED, startMessageTestBed, textMessage, type MessageTestBed } from './message-fixtures.js';
import type { RawClient } from './support.js';

const LIMIT = 4096;
let bed: MessageTestBed;
let uid: number;
let uidValidity: number;
let hostname: string;
let othersUid: number;

beforeAll(async () => {
  bed = await startMessageTestBed({ config: { smtp: { max_message_size: LIMIT } } });
  uid = await bed.deliver(NESTED);
  uidValidity = (await bed.store.getMailbox(bed.account, 'INBOX'))!.uidValidity;
  hostname = bed.server.server.context.config.server.hostname;
  const other = await bed.server.addUser('Trần Thị Đào');
  const account = asAccountId(other.address);
  await bed.store.ensureAccount(account);
  othersUid = (await bed.store.deliver([{ account, folder: 'INBOX' }], textMessage('Riêng tư'))).delivered[0]!.uid;
});
afterAll(async () => {
  await bed?.close();
});

/** `APPEND Drafts <rest>` where rest may hold `{n+}` literals, written in one go; the reply lines. */
async function append(client: RawClient, tag: string, ...pieces: Array<string | Buffer>): Promise<string[]> {
  client.send(Buffer.concat([Buffer.from(`${tag} APPEND Drafts `), ...pieces.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p, 'utf8'))), Buffer.from('\r\n')]));
  return client.until((line) => line.startsWith(`${tag} `));
}

const text = (data: string) => `TEXT {${Buffer.byteLength(data)}+}\r\n${data}`;

async function draftsCount(client: RawClient): Promise<string> {
  return (await client.command('N', 'STATUS Drafts (MESSAGES)'))[0]!;
}

describe('APPEND CATENATE (RFC 4469)', () => {
  it('joins TEXT literals with sections of a stored message, relative URLs with and without UIDVALIDITY', async () => {
    const client = await bed.login();
    const header = 'From: annv@cantho.gov.vn\r\nSubject: Ghép thư\r\n\r\n';
    const reply = await append(
      client,
      'A1',
      `CATENATE (${text(header)} URL "/INBOX;UIDVALIDITY=${uidValidity}/;UID=${uid}/;SECTION=1" ${text('\r\n-- ')} `,
      `URL "/INBOX/;UID=${uid}/;SECTION=HEADER.FIELDS%20(SUBJECT)/;PARTIAL=0.9" ${text(' | ')} URL "/inbox/;UID=${uid}/;SECTION=3/;PARTIAL=2")`,
    );
    const appended = /^A1 OK \[APPENDUID \d+ (\d+)\] APPEND completed$/.exec(reply.at(-1)!);
    expect(appended, reply.join(' | ')).not.toBeNull();
    await client.command('S', 'EXAMINE Drafts');
    const stored = `${header}Xin chào\r\n-- Subject:  | JD`;
    expect(await client.command('F', `UID FETCH ${appended![1]} (BODY.PEEK[])`)).toEqual([
      expect.stringMatching(new RegExp(`^\\* \\d+ FETCH \\(UID ${appended![1]} BODY\\[\\] \\{${Buffer.byteLength(stored)}\\}$`)),
      ...`${stored})`.split('\r\n'),
      'F OK UID FETCH completed',
    ]);
  });

  it('takes an absolute URL naming this server and the user logged in, and a synchronising TEXT literal', async () => {
    const client = await bed.login();
    const user = encodeURIComponent(bed.user.address);
    client.send(`B1 APPEND Drafts (\\Seen) CATENATE (TEXT {6}\r\n`);
    expect(await client.readLine()).toMatch(/^\+ /);
    client.send(`X: 1\r\n URL "imap://${user}@${hostname.toUpperCase()}/INBOX/;UID=${uid}/;SECTION=2")\r\n`);
    const reply = await client.until((line) => line.startsWith('B1 '));
    const appended = /^B1 OK \[APPENDUID \d+ (\d+)\] APPEND completed$/.exec(reply.at(-1)!);
    expect(appended, reply.join(' | ')).not.toBeNull();
    await client.command('S', 'EXAMINE Drafts');
    expect(await client.command('F', `UID FETCH ${appended![1]} (FLAGS BODY.PEEK[HEADER.FIELDS (X SUBJECT)])`)).toEqual([
      expect.stringMatching(/^\* \d+ FETCH \(UID \d+ FLAGS \(\\Seen( \\Recent)?\) BODY\[HEADER\.FIELDS \(X SUBJECT\)\] \{24\}$/),
      'X: 1',
      'Subject: inner',
      '',
      ')',
      'F OK UID FETCH completed',
    ]);
  });

  it('refuses URLs it cannot or may not resolve with NO [BADURL url], storing nothing', async () => {
    const client = await bed.login();
    const before = await draftsCount(client);
    const otherLocal = encodeURIComponent('someone.else');
    const refused = [
      'not a url',
      `/INBOX;UIDVALIDITY=${uidValidity + 1}/;UID=${uid}`, // stale UIDVALIDITY
      `/INBOX/;UID=${uid + 100}`, // no such message
      `/INBOX/;UID=${uid}/;SECTION=7`, // no such part
      `/INBOX/;UID=${uid}/;SECTION=1.BOGUS`, // not a section
      `/NoSuchBox/;UID=${uid}`,
      `/INBOX/;UID=${uid}/;SECTION=%ZZ`, // bad %-escape
      `imap://${otherLocal}@${hostname}/INBOX/;UID=${othersUid}`, // another user's mail
      `imap://mail.example.org/INBOX/;UID=${uid}`, // another server
      `/INBOX/;UID=${uid};EXPIRE=2030-01-01T00:00:00Z;URLAUTH=anonymous:internal:0123`, // URLAUTH is not offered
    ];
    for (const [i, url] of refused.entries()) {
      const reply = await append(client, `C${i}`, `CATENATE (${text('Subject: x\r\n\r\n')} URL "${url}")`);
      expect(reply, url).toEqual([expect.stringMatching(new RegExp(`^C${i} NO \\[BADURL ${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\] `))]);
    }
    expect(await draftsCount(client)).toBe(before);
  });

  it('is all or nothing with MULTIAPPEND, and both messages get UIDs', async () => {
    const client = await bed.login();
    const before = await draftsCount(client);
    const plain = textMessage('Thư thường').toString('utf8');
    const refused = await append(client, 'D1', `{${Buffer.byteLength(plain)}+}\r\n${plain} CATENATE (URL "/INBOX/;UID=${uid + 50}")`);
    expect(refused).toEqual([expect.stringMatching(/^D1 NO \[BADURL /)]);
    expect(await draftsCount(client)).toBe(before);
    const both = await append(client, 'D2', `{${Buffer.byteLength(plain)}+}\r\n${plain} CATENATE (URL "/INBOX/;UID=${uid}")`);
    expect(both.at(-1)).toMatch(/^D2 OK \[APPENDUID \d+ \d+:\d+\] APPEND completed$/);
  });

  it('refuses a catenated message past APPENDLIMIT with NO [TOOBIG], and malformed CATENATE with BAD', async () => {
    const client = await bed.login();
    const copies = Math.ceil(LIMIT / NESTED.length) + 1;
    const url = ` URL "/INBOX/;UID=${uid}"`.repeat(copies).trim();
    expect(await append(client, 'E1', `CATENATE (${url})`)).toEqual([expect.stringMatching(/^E1 NO \[TOOBIG\] /)]);
    expect(await append(client, 'E4', 'CATENATE (TEXT {0+}\r\n)')).toEqual(['E4 NO [CANNOT] An empty message cannot be stored']);
    for (const bad of ['CATENATE ()', 'CATENATE (FOO "x")', 'CATENATE (TEXT "quoted")', 'CATENATE URL "/INBOX/;UID=1"']) {
      expect((await append(client, 'E2', bad)).at(-1), bad).toMatch(/^E2 BAD /);
    }
    expect(await client.command('E3', 'NOOP')).toEqual(['E3 OK NOOP completed']);
  });
});
