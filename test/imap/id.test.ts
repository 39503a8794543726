import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RawClient, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('ID (RFC 2971)', () => {
  test('answers with the server identity, with or without client fields', async () => {
    const client = await RawClient.connect(server.ports.imap);
    expect(await client.command('i1', 'ID NIL')).toEqual(['* ID ("name" "cantho-mail" "vendor" "cantho.gov.vn")', 'i1 OK ID completed']);
    expect(await client.command('i2', 'ID ("name" "mutt" "version" NIL)')).toEqual(['* ID ("name" "cantho-mail" "vendor" "cantho.gov.vn")', 'i2 OK ID completed']);
    client.close();
  });

  test('an odd number of strings or garbage is BAD', async () => {
    const client = await RawClient.connect(server.ports.imap);
    expect(await client.command('i1', 'ID ("name")')).toEqual(['i1 BAD ID takes up to 30 field/value pairs']);
    expect(await client.command('i2', 'ID name')).toEqual(['i2 BAD expected "(" at octet 6']);
    client.close();
  });
});
