// Worker-thread entry. The main process runs the TypeScript sources through its own loader
// (bin/typescript-hooks.mjs for bin/cantho-mail.mjs, tsx for `node --import tsx`, vitest): a worker
// thread starts with a fresh module loader, so it registers tsx itself before it imports the task runner.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.runner);
