import { createServer } from 'node:net';

/** A loopback port that was free a moment ago (bind 0, read, close): nothing listens there after. */
export function freePortNow(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}
