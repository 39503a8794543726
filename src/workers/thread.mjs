// Worker-thread entry. A worker thread starts with a fresh module loader, whatever ran the main
// thread (bin/cantho-mail.mjs, vitest, `node --import tsx`): it registers the project's own
// TypeScript hooks (bin/typescript-hooks.mjs) before it imports the task runner. They transpile a
// source file only when its text is new and share the CLI's transpile cache, so a worker starts
// in about the time plain JavaScript would, where tsx started esbuild and its loader in every worker.
import { register } from 'node:module';
import { workerData } from 'node:worker_threads';

register(new URL('../../bin/typescript-hooks.mjs', import.meta.url));
await import(workerData.runner);
