import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { asAccountId, type MailboxChange, type SieveScriptStore } from '../../../src/store/index.js';

/**
 * The SieveScriptStore contract (RFC 5804 scripts, RFC 5230 §4.2 vacation record), run against
 * each backend by its contract test file.
 */

export interface SieveBackend {
  /** The store under test as serve opens it: given `changes`, so it answers activeScript from memory. */
  readonly sieve: SieveScriptStore;
  /** The events `sieve` was opened with (the mail store's). */
  readonly changes: EventEmitter<{ change: [MailboxChange] }>;
  /** Another store on the same data: another process (SQLite's CLI) or another node (PostgreSQL). */
  readonly other: SieveScriptStore;
  cleanup(): Promise<void>;
}

export type OpenSieveBackend = () => Promise<SieveBackend>;

const annv = asAccountId('annv@cantho.gov.vn');
const binh = asAccountId('binh@cantho.gov.vn');
const KEEP = 'keep;\n';
const FILE_INTO = 'require "fileinto";\nfileinto "Công việc";\n';

export function describeSieveStoreContract(name: string, open: OpenSieveBackend): void {
  describe(`SieveScriptStore contract: ${name}`, () => {
    let backend: SieveBackend;
    let sieve: SieveScriptStore;
    beforeEach(async () => {
      backend = await open();
      sieve = backend.sieve;
    });
    afterEach(async () => {
      await backend.cleanup();
    });

    test('lists scripts by name with their size in octets, the active one marked, per account', async () => {
      expect(await sieve.listScripts(annv)).toEqual([]);
      await sieve.putScript(annv, 'viec', FILE_INTO);
      await sieve.putScript(annv, 'an', KEEP);
      await sieve.putScript(binh, 'rieng', KEEP);
      expect(await sieve.setActive(annv, 'viec')).toBe(true);
      expect(await sieve.listScripts(annv)).toEqual([
        { name: 'an', active: false, size: 6 },
        { name: 'viec', active: true, size: Buffer.byteLength(FILE_INTO) },
      ]);
      expect(await sieve.getScript(annv, 'viec')).toBe(FILE_INTO);
      expect(await sieve.getScript(annv, 'rieng')).toBeNull();
    });

    test('a replaced script keeps being the active one (RFC 5804 §2.6)', async () => {
      await sieve.putScript(annv, 'main', KEEP);
      await sieve.setActive(annv, 'main');
      expect(await sieve.activeScript(annv)).toBe(KEEP);
      await sieve.putScript(annv, 'main', FILE_INTO);
      expect(await sieve.activeScript(annv)).toBe(FILE_INTO);
      expect((await sieve.listScripts(annv)).map((s) => s.active)).toEqual([true]);
    });

    test('one active script at most; a missing name is refused; null switches all off (RFC 5804 §2.8)', async () => {
      await sieve.putScript(annv, 'a', KEEP);
      await sieve.putScript(annv, 'b', FILE_INTO);
      expect(await sieve.setActive(annv, 'a')).toBe(true);
      expect(await sieve.setActive(annv, 'b')).toBe(true);
      expect((await sieve.listScripts(annv)).map((s) => [s.name, s.active])).toEqual([
        ['a', false],
        ['b', true],
      ]);
      expect(await sieve.setActive(annv, 'khongco')).toBe(false);
      expect(await sieve.activeScript(annv)).toBe(FILE_INTO);
      expect(await sieve.setActive(annv, null)).toBe(true);
      expect(await sieve.activeScript(annv)).toBeNull();
    });

    test('the active script cannot be deleted (RFC 5804 §2.10)', async () => {
      await sieve.putScript(annv, 'a', KEEP);
      await sieve.putScript(annv, 'b', KEEP);
      await sieve.setActive(annv, 'a');
      expect(await sieve.deleteScript(annv, 'a')).toBe('active');
      expect(await sieve.deleteScript(annv, 'b')).toBe('deleted');
      expect(await sieve.deleteScript(annv, 'b')).toBe('nonexistent');
      expect((await sieve.listScripts(annv)).map((s) => s.name)).toEqual(['a']);
    });

    test('renames a script, active or not, unless the old name is missing or the new one taken (RFC 5804 §2.11.1)', async () => {
      await sieve.putScript(annv, 'a', KEEP);
      await sieve.putScript(annv, 'b', FILE_INTO);
      await sieve.setActive(annv, 'a');
      expect(await sieve.renameScript(annv, 'a', 'b')).toBe(false);
      expect(await sieve.renameScript(annv, 'khongco', 'c')).toBe(false);
      expect(await sieve.renameScript(annv, 'a', 'c')).toBe(true);
      expect((await sieve.listScripts(annv)).map((s) => [s.name, s.active])).toEqual([
        ['b', false],
        ['c', true],
      ]);
      expect(await sieve.activeScript(annv)).toBe(KEEP);
    });

    test('answers a script another writer changed once told: by forgetActiveScript, or by the external event', async () => {
      await sieve.putScript(annv, 'main', KEEP);
      await sieve.setActive(annv, 'main');
      expect(await sieve.activeScript(annv)).toBe(KEEP);
      await backend.other.putScript(annv, 'main', FILE_INTO);
      expect(await sieve.activeScript(annv)).toBe(KEEP);
      sieve.forgetActiveScript(annv);
      expect(await sieve.activeScript(annv)).toBe(FILE_INTO);
      expect(await backend.other.setActive(annv, null)).toBe(true);
      backend.changes.emit('change', { kind: 'external' });
      expect(await sieve.activeScript(annv)).toBeNull();
    });

    test('claims a vacation reply once per sender and handle within the period (RFC 5230 §4.2)', async () => {
      const day = 24 * 3600;
      const t0 = new Date('2026-12-01T08:00:00Z');
      const later = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
      expect(await sieve.claimVacationReply(annv, 'dan@example.org', 'h1', 7 * day, t0)).toBe(true);
      expect(await sieve.claimVacationReply(annv, 'dan@example.org', 'h1', 7 * day, later(6 * day))).toBe(false);
      expect(await sieve.claimVacationReply(annv, 'dan@example.org', 'h2', 7 * day, later(6 * day))).toBe(true);
      expect(await sieve.claimVacationReply(binh, 'dan@example.org', 'h1', 7 * day, later(6 * day))).toBe(true);
      expect(await sieve.claimVacationReply(annv, 'dan@example.org', 'h1', 7 * day, later(7 * day))).toBe(true);
      // The period counts from the last reply sent, not the first.
      expect(await sieve.claimVacationReply(annv, 'dan@example.org', 'h1', 7 * day, later(13 * day))).toBe(false);
    });

    test('of claims made at once through two stores, exactly one gets the reply', async () => {
      const now = new Date('2026-12-01T08:00:00Z');
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? sieve : backend.other).claimVacationReply(annv, 'dan@example.org', 'h', 86_400, now)),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
    });
  });
}

/** An emitter of the mail store's kind, for a contract backend's `changes`. */
export function changeEvents(): EventEmitter<{ change: [MailboxChange] }> {
  return new EventEmitter<{ change: [MailboxChange] }>();
}
