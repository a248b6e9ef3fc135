import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';

export type TeleopSocketState = 'connecting' | 'open' | 'closed';

/**
 * One /teleop socket while mounted and `url` is set: each (re)connect asks `url()` for a fresh
 * ticket; after a close it retries with backoff 0.5 s → 5 s. 4403 (the session ended) is final
 * and reported to `onFatal`. `send` drops the message while the socket is not open (a command
 * is worth nothing late: the gateway refuses it past its budget anyway).
 */
export function useTeleopSocket(
  url: (() => Promise<string>) | null, onMessage: (text: string) => void, onFatal: (code: number) => void, onBinary: (data: ArrayBuffer) => void = () => undefined,
) {
  const [state, setState] = useState<TeleopSocketState>('closed');
  const ws = useRef<WebSocket | null>(null);
  const handlers = useRef({ onMessage, onFatal, onBinary });
  handlers.current = { onMessage, onFatal, onBinary };

  useEffect(() => {
    if (url === null) return undefined;
    let stopped = false;
    let delay = 500;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connect = async (): Promise<void> => {
      setState('connecting');
      let u: string;
      try {
        u = await url();
      } catch {
        retry();
        return;
      }
      if (stopped) return;
      const sock = new WebSocket(u);
      // Images come as binary messages (TMI1); ArrayBuffer reads synchronously, a Blob would not.
      sock.binaryType = 'arraybuffer';
      ws.current = sock;
      sock.onopen = () => {
        delay = 500;
        setState('open');
      };
      sock.onmessage = (e: MessageEvent) => {
        if (typeof e.data === 'string') handlers.current.onMessage(e.data);
        else if (e.data instanceof ArrayBuffer) handlers.current.onBinary(e.data);
      };
      sock.onclose = (e: CloseEvent) => {
        if (ws.current === sock) ws.current = null;
        if (stopped) return;
        if (e.code === 4403) {
          setState('closed');
          handlers.current.onFatal(e.code);
          return;
        }
        retry();
      };
    };
    const retry = (): void => {
      if (stopped) return;
      setState('closed');
      timer = setTimeout(() => void connect(), delay);
      delay = Math.min(5000, delay * 2);
    };
    void connect();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      ws.current?.close(1000);
      ws.current = null;
      setState('closed');
    };
  }, [url]);

  const send = useCallback((msg: object): boolean => {
    const s = ws.current;
    if (s === null || s.readyState !== WebSocket.OPEN) return false;
    s.send(JSON.stringify(msg));
    return true;
  }, []);
  // One object per socket state, not per render: callers put it in effect dependencies, and a new
  // object each render restarted the page's 40 ms control timer on every telemetry message (25/s),
  // so it seldom fired and the gateway's 100 ms deadman tripped.
  return useMemo(() => ({ state, send }), [state, send]);
}
