/** The part of a WebSocket that /live needs; the ws WebSocket satisfies it. */
export interface LiveSocket {
  readonly bufferedAmount: number;
  send(data: string): void;
  terminate(): void;
}

/**
 * Sends one message to every /live client. A client whose unsent backlog is above
 * `maxBufferedBytes` is terminated and removed instead: a stalled page must not grow our memory.
 * Returns how many were dropped.
 */
export function broadcast(clients: Set<LiveSocket>, message: string, maxBufferedBytes: number): number {
  let dropped = 0;
  for (const ws of clients) {
    if (ws.bufferedAmount > maxBufferedBytes) {
      ws.terminate();
      clients.delete(ws);
      dropped += 1;
      continue;
    }
    ws.send(message);
  }
  return dropped;
}
