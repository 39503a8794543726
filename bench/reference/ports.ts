/** Waiting for the reference servers, which take a port number in their config files rather than port 0. */
import net from 'node:net';

/** Resolves once a TCP connection to 127.0.0.1:port succeeds; rejects after `timeoutMs` or when `failed()` says the server died. */
export async function waitForListener(port: number, timeoutMs: number, failed: () => string | null = () => null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await canConnect(port)) return;
    const reason = failed();
    if (reason !== null) throw new Error(reason);
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
