import { describe, expect, it } from 'vitest';
import { clearedSessionCookie, parseCookies, sessionCookie } from '../../src/web/cookies.js';
import { SessionStore } from '../../src/web/sessions.js';
import { asAccountId } from '../../src/store/types.js';

const user = { person: asAccountId('annv@cantho.gov.vn'), displayName: 'Nguyễn Văn Ân', identity: null };

describe('web sessions', () => {
  it('mints ids itself and never adopts one it did not make', () => {
    const sessions = new SessionStore();
    expect(sessions.lookup('attacker-chosen-id')).toEqual({ state: 'none' });
    const s = sessions.createAnonymous();
    expect(s.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.csrfToken).not.toBe(s.id);
    expect(sessions.lookup(s.id)).toMatchObject({ state: 'active', session: { id: s.id } });
  });

  it('rotates: the new session has a new id and token, the old id is gone', () => {
    const sessions = new SessionStore();
    const before = sessions.createAnonymous();
    const after = sessions.rotate(before.id, user);
    expect(after.id).not.toBe(before.id);
    expect(after.csrfToken).not.toBe(before.csrfToken);
    expect(sessions.lookup(before.id)).toEqual({ state: 'none' });
    expect(sessions.lookup(after.id)).toMatchObject({ state: 'active', session: { user } });
  });

  it('expires after the idle time, and after the absolute lifetime even when used', () => {
    let now = 0;
    const sessions = new SessionStore({ idleMs: 1_000, absoluteMs: 5_000, now: () => now });
    const idle = sessions.createAnonymous();
    now = 1_000;
    expect(sessions.lookup(idle.id)).toEqual({ state: 'expired' });
    expect(sessions.lookup(idle.id)).toEqual({ state: 'none' });
    const busy = sessions.rotate(null, user);
    for (now = 1_500; now < 6_000; now += 500) expect(sessions.lookup(busy.id).state).toBe('active');
    now = 6_000;
    expect(sessions.lookup(busy.id)).toEqual({ state: 'expired' });
  });

  it('when full, drops anonymous sessions before signed-in ones', () => {
    const sessions = new SessionStore({ maxSessions: 10 });
    const signedIn = sessions.rotate(null, user);
    for (let i = 0; i < 50; i++) sessions.createAnonymous();
    expect(sessions.size).toBeLessThanOrEqual(10);
    expect(sessions.lookup(signedIn.id).state).toBe('active');
  });

  it('ends the sessions a directory re-check refuses', () => {
    const sessions = new SessionStore();
    const a = sessions.rotate(null, user);
    const b = sessions.rotate(null, { ...user, person: asAccountId('daott@cantho.gov.vn') });
    sessions.recheck((u) => (u.person === user.person ? null : u));
    expect(sessions.lookup(a.id).state).toBe('none');
    expect(sessions.lookup(b.id).state).toBe('active');
  });
});

describe('session cookie', () => {
  it('is HttpOnly and SameSite=Lax, Secure with the __Host- prefix over HTTPS', () => {
    expect(sessionCookie({ secure: false }, 'abc')).toBe('cm_sid=abc; Path=/; HttpOnly; SameSite=Lax');
    expect(sessionCookie({ secure: true }, 'abc')).toBe('__Host-cm_sid=abc; Path=/; HttpOnly; SameSite=Lax; Secure');
    expect(clearedSessionCookie({ secure: false })).toBe('cm_sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax');
  });

  it('parses the Cookie header, first value winning', () => {
    const cookies = parseCookies('a=1; cm_sid=first; cm_sid=second; junk; b="q"');
    expect(cookies.get('cm_sid')).toBe('first');
    expect(cookies.get('b')).toBe('q');
    expect(parseCookies(undefined).size).toBe(0);
  });
});
