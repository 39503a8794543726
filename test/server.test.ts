import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers/server.js';

describe('the composed server', () => {
  it('starts every listener on its own port and answers /healthz', async () => {
    const t = await startTestServer();
    try {
      const ports = Object.values(t.ports);
      expect(ports.every((p) => p > 0)).toBe(true);
      expect(new Set(ports).size).toBe(ports.length);
      const response = await fetch(`http://127.0.0.1:${t.ports.http}/healthz`);
      expect(response.status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
