/**
 * HAProxy 2.6 (Debian's) in front of the server, with the configuration docs/haproxy.en.md
 * describes written for loopback ports: `send-proxy-v2` to every back end, health checks with the
 * header too (SMTP EHLO, the IMAP greeting, GET /healthz), TLS passed through untouched. Clients
 * no one here wrote connect to HAProxy: swaks from 127.0.0.3 (its trace shows that address, not
 * HAProxy's), Python imaplib (plaintext LOGIN refused: the client is behind a proxy; over
 * implicit TLS it logs in).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freeLoopbackPort } from '../helpers/ports.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { curl, imaplibLogin } from '../helpers/user-sessions.js';
import { swaks } from '../smtp/clients.js';

const HAPROXY = '/usr/sbin/haproxy';
const CLIENT_SOURCE = '127.0.0.3';

let server: TestServer;
let user: TestUser;
let haproxy: ChildProcess;
let dir: string;
const front = { mx: 0, submission: 0, imap: 0, imaps: 0, http: 0 };

/** The configuration of docs/haproxy.en.md, on loopback: one node, the mail ports in TCP mode, HTTP in HTTP mode. */
function haproxyConfig(stats: string): string {
  const tcpService = (name: string, frontPort: number, backPort: number, check: string) => `
frontend ${name}
    bind 127.0.0.1:${frontPort}
    default_backend ${name}
backend ${name}
${check}
    server node1 127.0.0.1:${backPort} send-proxy-v2 check inter 500ms`;
  return `global
    stats socket ${stats} level admin
defaults
    mode tcp
    timeout connect 5s
    timeout client 35m
    timeout server 35m
    timeout check 5s
${tcpService('mx', front.mx, server.ports.mx, '    option smtpchk EHLO haproxy.cantho.gov.vn')}
${tcpService('submission', front.submission, server.ports.submission, '    option smtpchk EHLO haproxy.cantho.gov.vn')}
${tcpService('imap', front.imap, server.ports.imap, '    option tcp-check\n    tcp-check expect string "* OK"')}
${tcpService('imaps', front.imaps, server.ports.imaps, '')}
frontend web
    mode http
    bind 127.0.0.1:${front.http}
    timeout client 30s
    default_backend web
backend web
    mode http
    timeout server 30s
    option httpchk GET /healthz
    http-check expect status 200
    server node1 127.0.0.1:${server.ports.http} send-proxy-v2 check inter 500ms
`;
}

/** `show stat` on HAProxy's stats socket: back end name → server status (UP, DOWN, …). */
async function serverStates(stats: string): Promise<Map<string, string>> {
  const csv = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(stats);
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
    socket.end('show stat\n');
  });
  const states = new Map<string, string>();
  for (const line of csv.split('\n')) {
    const fields = line.split(',');
    if (fields[1] === 'node1') states.set(fields[0]!, fields[17]!);
  }
  return states;
}

beforeAll(async () => {
  server = await startTestServer({
    config: {
      smtp: { proxy_protocol_from: ['127.0.0.1'] },
      imap: { proxy_protocol_from: ['127.0.0.1'] },
      http: { proxy_protocol_from: ['127.0.0.1'] },
    },
  });
  // ASCII: imaplib sends LOGIN arguments as ASCII.
  user = await server.addUser('Nguyễn Văn An', { password: 'Mat-khau-thu-1234' });
  for (const name of Object.keys(front) as Array<keyof typeof front>) front[name] = await freeLoopbackPort();
  dir = mkdtempSync(path.join(os.tmpdir(), 'cm-haproxy-'));
  const stats = path.join(dir, 'stats.sock');
  writeFileSync(path.join(dir, 'haproxy.cfg'), haproxyConfig(stats));
  haproxy = spawn(HAPROXY, ['-db', '-f', path.join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'inherit'] });
  // Every back end UP: HAProxy's own health checks got through our PROXY header read.
  for (;;) {
    const states = await serverStates(stats).catch(() => new Map<string, string>());
    if (states.size === 5 && [...states.values()].every((state) => state === 'UP')) break;
    if (haproxy.exitCode !== null) throw new Error(`haproxy exited with ${haproxy.exitCode}`);
    await sleep(200);
  }
});

afterAll(async () => {
  haproxy?.kill();
  rmSync(dir, { recursive: true, force: true });
  await server.close();
});

describe('behind HAProxy with send-proxy-v2', () => {
  test('swaks through HAProxy: the message is stored with the client address in its trace', async () => {
    const sent = await swaks(['--server', `127.0.0.1:${front.mx}`, '--local-interface', CLIENT_SOURCE, '--from', 'someone@example.org', '--to', user.address, '--header', 'Subject: through haproxy']);
    expect(sent.code).toBe(0);
    expect(await receivedThroughProxy('through haproxy')).toContain(`[${CLIENT_SOURCE}]`);
  });

  test('imaplib through HAProxy: no plaintext LOGIN from behind a proxy, LOGIN inside implicit TLS', async () => {
    expect(await imaplibLogin(front.imap, user.address, user.password)).toMatch(/^login NO .*PRIVACYREQUIRED/);
    const overTls = await new Promise<string>((resolve) => {
      const program = `import imaplib, ssl, sys
imap = imaplib.IMAP4_SSL("127.0.0.1", ${front.imaps}, ssl_context=ssl._create_unverified_context())
print(imap.login(sys.argv[1], sys.argv[2])[0])`;
      execFile('python3', ['-c', program, user.address, user.password], { timeout: 20_000 }, (_error, stdout, stderr) => resolve(`${stdout}${stderr}`.trim()));
    });
    expect(overTls).toBe('OK');
  });

  test('HTTP through HAProxy: /healthz answers', async () => {
    expect((await curl([`http://127.0.0.1:${front.http}/healthz`])).status).toBe(200);
  });
});

/** The first Received: field of the message with `subject`, read with imapflow over implicit TLS through HAProxy. */
async function receivedThroughProxy(subject: string): Promise<string> {
  const client = new ImapFlow({ host: '127.0.0.1', port: front.imaps, secure: true, tls: { rejectUnauthorized: false }, auth: { user: user.address, pass: user.password }, logger: false });
  await client.connect();
  try {
    await client.mailboxOpen('INBOX');
    for await (const message of client.fetch('1:*', { envelope: true, headers: ['received'] })) {
      if (message.envelope?.subject === subject) return message.headers?.toString().split(/\r\n(?![\t ])/)[0] ?? '';
    }
    return '';
  } finally {
    await client.logout();
  }
}
