import type { Command } from 'commander';
import type { RunningServer } from '../server.js';
import { failWith, loadConfigFor } from './runner.js';

/**
 * `serve`: runs the server until SIGTERM or SIGINT, then closes the listeners and lets the store
 * finish its transactions; SIGHUP re-reads the spam rules and the TLS certificate.
 */
export function defineServeCommand(serve: Command): void {
  serve
    .action(async (_options: unknown, command: Command) => {
      let server: RunningServer;
      try {
        const config = loadConfigFor(command);
        // Loaded only here: directory commands start without the protocol code.
        const { startServer } = await import('../server.js');
        server = await startServer(config);
      } catch (error) {
        failWith(command, error);
        return;
      }
      const reload = () => server.reload();
      const stop = () => {
        // A second signal while closing means "now": the default handler ends the process.
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        process.off('SIGHUP', reload);
        server.close().then(
          () => process.exit(0),
          (error: unknown) => {
            failWith(command, error);
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      // SIGHUP: re-read the spam rules and the TLS pair (both are also reloaded when their files change).
      process.on('SIGHUP', reload);
    });
}
