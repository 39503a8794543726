import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { configFromObject } from '../../src/config/index.js';
import { plaintextAuthAllowed } from '../../src/imap/capabilities.js';
import { RawClient, loggedIn, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer();
});
afterAll(async () => {
  await server.close();
});

const AUTHENTICATED =
  'IMAP4rev1 IMAP4rev2 LITERAL+ LITERAL- SASL-IR ID ENABLE IDLE NOTIFY NAMESPACE UIDPLUS MULTIAPPEND MOVE UNSELECT CHILDREN SPECIAL-USE CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS ESEARCH SEARCHRES SORT SORT=DISPLAY ESORT CONTEXT=SEARCH CONTEXT=SORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES CONDSTORE QRESYNC STATUS=SIZE UTF8=ACCEPT COMPRESS=DEFLATE BINARY CATENATE UNAUTHENTICATE ACL RIGHTS=texk QUOTA QUOTA=RES-STORAGE APPENDLIMIT=26214400';

describe('CAPABILITY (RFC 3501 §6.1.1)', () => {
  test('the greeting carries the pre-login capabilities', async () => {
    const client = new Promise<string>((resolve) => {
      void import('node:net').then(({ connect }) => {
        const socket = connect(server.ports.imap, '127.0.0.1');
        socket.once('data', (data) => {
          resolve(data.toString());
          socket.destroy();
        });
      });
    });
    expect(await client).toBe('* OK [CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ LITERAL- SASL-IR ID ENABLE IDLE STARTTLS AUTH=PLAIN APPENDLIMIT=26214400] mail.cantho.gov.vn IMAP ready\r\n');
  });

  test('after login, every extension, each once', async () => {
    const client = await loggedIn(server);
    expect(await client.command('c', 'CAPABILITY')).toEqual([`* CAPABILITY ${AUTHENTICATED}`, 'c OK CAPABILITY completed']);
    client.close();
  });

  test('no QUOTA when quota.default is 0', async () => {
    const noQuota = await startImapTestServer({ quota: { default: '0' } });
    const client = await loggedIn(noQuota);
    const [line] = await client.command('c', 'CAPABILITY');
    expect(line).not.toMatch(/QUOTA/);
    client.close();
    await noQuota.close();
  });

  test('before login, no post-login extensions', async () => {
    const client = await RawClient.connect(server.ports.imap);
    expect(await client.command('c', 'CAPABILITY')).toEqual(['* CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ LITERAL- SASL-IR ID ENABLE IDLE STARTTLS AUTH=PLAIN APPENDLIMIT=26214400', 'c OK CAPABILITY completed']);
    client.close();
  });
});

describe('plaintext AUTH (RFC 3501 §6.2.3)', () => {
  test('allow_plaintext_auth only ever applies to loopback clients', () => {
    const allowing = configFromObject({ imap: { allow_plaintext_auth: true } });
    expect(plaintextAuthAllowed(allowing, { secure: false, loopbackClient: true })).toBe(true);
    expect(plaintextAuthAllowed(allowing, { secure: false, loopbackClient: false })).toBe(false);
    expect(plaintextAuthAllowed(allowing, { secure: true, loopbackClient: false })).toBe(true);
    expect(plaintextAuthAllowed(configFromObject({}), { secure: false, loopbackClient: true })).toBe(false);
  });
});
