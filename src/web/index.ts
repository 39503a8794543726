/** src/web: the officials' self-service site, CardDAV address books (carddav/), autoconfig, /healthz and /metrics (Fastify). */
export { startWeb } from './server.js';
