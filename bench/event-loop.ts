/**
 * `npm run bench -- event-loop [--officials N] [--overdue N]`
 *
 * The longest event-loop block (docs/architecture.md invariant 2) while each periodic job or web
 * handler whose work grows with the data runs, on a server in this process holding N officials
 * (default 3,000, in 60 units) and a unit INBOX with M unread messages (default 1,000) received a
 * week before the check:
 * - the unit diligence check sending the first reminder naming the M overdue messages
 *   (src/notices/unit-diligence.ts), then the day's digest listing them;
 * - the CardDAV books after a directory change (a PROPFIND of the city book over HTTP);
 * - the web directory search index rebuilt after a directory change (called directly);
 * - an LDAP paged subtree search of every person after a directory change (ldapsearch);
 * - the daily retention job with nothing to purge.
 * Each line prints the wall time and the longest block: the most CPU time the main thread ran
 * between two turns of a 1 ms timer (Linux schedstat, what the block costs on an idle machine),
 * and the longest delay `monitorEventLoopDelay` saw (wall time, which the machine's load
 * stretches). Nothing here asserts timings; note the load (`uptime`) beside the figures.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import { DirectorySearchIndex, type Directory } from '../src/directory/index.js';
import { runRetention } from '../src/maintenance/index.js';
import { asAccountId } from '../src/store/index.js';
import { TEST_DOC, startTestServer } from '../test/helpers/server.js';

const UNITS = 60;
const PASSWORD = 'Mật-khẩu-đo-1234';
const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Huỳnh', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ'];
const MIDDLE = ['Văn', 'Thị', 'Minh', 'Ngọc', 'Hữu', 'Thanh'];
const GIVEN = ['An', 'Bình', 'Cường', 'Dũng', 'Hà', 'Hải', 'Lan', 'Linh', 'Nam', 'Phúc', 'Quân', 'Tâm', 'Thảo', 'Trang', 'Tuấn', 'Yến'];

function unitMessage(n: number): Buffer {
  return Buffer.from(
    [
      `From: Sở Y tế ${n % 13} <vanthu${n % 13}@soyte.example>`,
      'To: Văn phòng UBND thành phố <vpubnd@cantho.gov.vn>',
      `Subject: =?UTF-8?B?${Buffer.from(`Công văn ${n}/SYT về kế hoạch năm`).toString('base64')}?=`,
      `Message-ID: <cv-${n}@soyte.example>`,
      'Date: Mon, 04 Jan 2027 08:00:00 +0700',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Kính gửi Văn phòng UBND thành phố, đề nghị xử lý công văn này.',
      '',
    ].join('\r\n'),
  );
}

/** CPU time the main thread has run, in ms (proc(5) /proc/PID/task/TID/schedstat: time on the CPU in ns; the main thread's TID is the PID). */
function mainThreadCpuMs(): number {
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'latin1').split(' ')[0]) / 1e6;
}

interface Figures {
  readonly wallMs: number;
  /** The longest event-loop delay in wall time: what a client waited, the machine's load included. */
  readonly longestMs: number;
  /** The most main-thread CPU time between two turns of a 1 ms timer: the block's own length, whatever the load. */
  readonly longestCpuMs: number;
}

/** Runs `work` and returns its wall time and the longest event-loop block seen meanwhile, in ms. */
async function measure(work: () => Promise<unknown>): Promise<Figures> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let probing = true;
  let longestCpuMs = 0;
  let lastCpu = mainThreadCpuMs();
  const probe = (): void => {
    const cpu = mainThreadCpuMs();
    longestCpuMs = Math.max(longestCpuMs, cpu - lastCpu);
    lastCpu = cpu;
    if (probing) setTimeout(probe, 1);
  };
  // The histogram samples the gap between two of its own timer turns: let it take its first one.
  await new Promise((resolve) => setTimeout(resolve, 5));
  probe();
  const started = performance.now();
  await work();
  const wallMs = performance.now() - started;
  // One more turn, so a block at the very end is sampled too.
  await new Promise((resolve) => setTimeout(resolve, 5));
  probing = false;
  delay.disable();
  return { wallMs, longestMs: delay.max / 1e6, longestCpuMs };
}

function report(what: string, figures: Figures): void {
  console.log(`${what}: ${figures.wallMs.toFixed(0)} ms wall; longest event-loop block ${figures.longestCpuMs.toFixed(1)} ms of CPU (${figures.longestMs.toFixed(1)} ms of wall time at this load)`);
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { officials: { type: 'string', default: '3000' }, overdue: { type: 'string', default: '1000' } } });
  const officials = Number(values.officials);
  const overdue = Number(values.overdue);
  let now = new Date('2027-01-04T08:00:00+07:00');
  const server = await startTestServer({ config: { units: { check_every: '24h', digest_at: '16:00' } }, clock: () => now });
  try {
    const directory = server.directory as Directory;
    const request = { actor: 'cli:bench', doc: TEST_DOC };
    const seeding = performance.now();
    for (let u = 0; u < UNITS; u++) await server.addUnit(u === 0 ? 'vpubnd' : `donvi${u}`, u === 0 ? 'Văn phòng UBND thành phố' : `Phòng số ${u}`);
    let head = '';
    for (let i = 0; i < officials; i++) {
      const name = `${FAMILY[i % FAMILY.length]} ${MIDDLE[(i >> 3) % MIDDLE.length]} ${GIVEN[(i >> 5) % GIVEN.length]}`;
      const issued = await directory.admin.addPerson({ name, unit: i % UNITS === 0 ? 'vpubnd' : `donvi${i % UNITS}`, title: 'Chuyên viên', password: i === 0 ? PASSWORD : undefined }, request);
      if (i === 0) head = issued.person.address;
    }
    directory.admin.setUnitHead('vpubnd', head, request);
    const store = server.server.context.store;
    const unit = asAccountId('vpubnd@cantho.gov.vn');
    await store.ensureAccount(unit);
    await store.ensureAccount(asAccountId(head));
    const inbox = (await store.getMailbox(unit, 'INBOX'))!;
    for (let start = 0; start < overdue; start += 200) {
      await store.appendMessages(
        inbox.id,
        Array.from({ length: Math.min(200, overdue - start) }, (_, k) => ({ raw: unitMessage(start + k), internalDate: new Date('2027-01-04T08:00:00+07:00') })),
      );
    }
    console.log(`seeded ${officials} officials in ${UNITS} units and ${overdue} unread unit messages in ${((performance.now() - seeding) / 1000).toFixed(1)} s; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

    now = new Date('2027-01-11T09:00:00+07:00');
    let result: unknown;
    report(`unit diligence, first reminder naming ${overdue} messages`, await measure(async () => (result = await server.server.unitDiligence.check())));
    console.log(`  (check returned ${JSON.stringify(result)})`);
    now = new Date('2027-01-11T16:30:00+07:00');
    report(`unit diligence, digest listing ${overdue} unread messages`, await measure(async () => (result = await server.server.unitDiligence.check())));
    console.log(`  (check returned ${JSON.stringify(result)})`);
    report('unit diligence, nothing new', await measure(() => server.server.unitDiligence.check()));

    const web = `http://127.0.0.1:${server.ports.http}`;
    const basic = `Basic ${Buffer.from(`${head}:${PASSWORD}`).toString('base64')}`;
    const propfind = () =>
      fetch(`${web}/carddav/danh-ba/thanh-pho/`, { method: 'PROPFIND', headers: { authorization: basic, depth: '1', 'content-type': 'application/xml' }, body: '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>' }).then(
        async (r) => {
          if (r.status !== 207) throw new Error(`PROPFIND answered ${r.status}`);
          return r.text();
        },
      );
    report(`CardDAV PROPFIND of the city book, the first since start (every book built, ${officials} officials)`, await measure(propfind));
    const change = async (n: number) => {
      await directory.admin.addPerson({ name: `Lê Văn ${GIVEN[n % GIVEN.length]}`, unit: 'donvi1' }, request);
      // The web layer drops its caches on the directory's change event; give it a turn.
      await new Promise((resolve) => setImmediate(resolve));
    };
    await change(1);
    report(`CardDAV PROPFIND of the city book after a directory change (${officials} officials)`, await measure(propfind));
    report('CardDAV PROPFIND, nothing changed', await measure(propfind));
    // What the web search page (src/web/directory-cache.ts) rebuilds on its first search after a change.
    report('web directory search index rebuilt (listEntries + DirectorySearchIndex.build)', await measure(async () => (await DirectorySearchIndex.build(directory.listEntries())).search('nguyen', 51)));

    await change(3);
    const ldap = await measure(async () => {
      try {
        await promisify(execFile)('ldapsearch', ['-x', '-H', `ldap://127.0.0.1:${server.ports.ldap}`, '-D', head, '-w', PASSWORD, '-E', 'pr=500/noprompt', '-b', 'dc=cantho,dc=gov,dc=vn', '(objectClass=person)', 'cn', 'mail'], { maxBuffer: 64 * 1024 * 1024 });
      } catch (err) {
        console.log(`  (ldapsearch: ${(err as { stderr?: string }).stderr?.trim() ?? (err as Error).message})`);
      }
    });
    report('LDAP paged subtree search of every person after a directory change (ldapsearch)', ldap);
    report('retention job, nothing due', await measure(async () => runRetention(directory, store, 'system')));
    console.log(`load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await server.close();
  }
}
