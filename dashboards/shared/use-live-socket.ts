import { useEffect, useRef, useState } from 'preact/hooks';
import { ReconnectingSocket, type LiveStatus } from './reconnecting-socket.js';

const INITIAL: LiveStatus = { state: 'idle', attempt: 0, everOpened: false, lastCloseCode: null };

/**
 * Keeps one reconnecting `/live` socket open while the component is mounted and `url` is not null.
 * Messages go to `onMessage` (latest callback wins, so it may close over fresh state).
 */
export function useLiveSocket(
  /** A fixed URL, or a function giving each attempt's URL (keep its identity stable: useMemo/useCallback). */
  url: string | (() => Promise<string>) | null,
  onMessage: (text: string) => void,
  onFatal?: (code: number) => void,
): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>(INITIAL);
  const handlers = useRef({ onMessage, onFatal });
  handlers.current = { onMessage, onFatal };

  useEffect(() => {
    if (url === null) {
      setStatus(INITIAL);
      return undefined;
    }
    const sock = new ReconnectingSocket({
      url: typeof url === 'string' ? () => url : url,
      onMessage: (t) => handlers.current.onMessage(t),
      onStatus: setStatus,
      onFatal: (code) => handlers.current.onFatal?.(code),
    });
    sock.start();
    return () => sock.stop();
  }, [url]);

  return status;
}
