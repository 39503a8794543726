#!/usr/bin/env node
// Runs the TypeScript sources directly, no build step to forget: typescript-hooks.mjs transpiles
// each source file once per content and keeps the result, so a command starts in a fraction of a
// second (the CLI cold start is measured in docs/architecture.md "CLI").
import { register } from 'node:module';

register('./typescript-hooks.mjs', import.meta.url);
await import('../src/cli/main.ts');
