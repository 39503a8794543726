/** src/web: the officials' self-service site, autoconfig, /healthz and /metrics (Fastify). */
export { startWeb } from './server.js';
