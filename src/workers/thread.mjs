// Worker-thread entry. The main process runs the TypeScript sources through tsx (bin/cantho-mail.mjs,
// `node --import tsx`, vitest): a worker thread starts with a fresh module loader, so it registers
// tsx itself before it imports the task runner.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.runner);
