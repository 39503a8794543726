import { runCommandLine } from './program.js';
import { processStreams } from './streams.js';

process.exitCode = await runCommandLine(process.argv.slice(2), processStreams());
