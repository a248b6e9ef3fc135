/**
 * Errors of the pages. Mirrors protocols/errors.ts `TelemedError` (stable `code`, message for
 * people) without importing it: the pages reach the product only over HTTP/WebSocket.
 */
export class DashboardError extends Error {
  readonly code: string;
  /** HTTP status when the error came from an answer, else null. */
  readonly status: number | null;
  constructor(code: string, message: string, status: number | null = null, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = status;
    this.name = 'DashboardError';
  }
}

export const DashboardErrorCode = {
  /** The server could not be reached at all. */
  NETWORK: 'TM_ERR_DASHBOARD_NETWORK',
  /** The server answered with something that is not the documented shape. */
  BAD_RESPONSE: 'TM_ERR_DASHBOARD_BAD_RESPONSE',
  /** Wrong username or password (the hub's own code). */
  LOGIN_FAILED: 'TM_ERR_LOGIN_FAILED',
  /** The session token is no longer accepted. */
  UNAUTHORIZED: 'TM_ERR_UNAUTHORIZED',
} as const;

/** Fetch JSON, turning transport failures and `{ code, message }` error bodies into DashboardError. */
export async function fetchJson(url: string, init: RequestInit = {}): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (err) {
    throw new DashboardError(DashboardErrorCode.NETWORK, 'Server unreachable', null, { cause: err });
  }
  const text = await res.text();
  let body: unknown = null;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new DashboardError(DashboardErrorCode.BAD_RESPONSE, `Unexpected answer (${res.status})`, res.status, { cause: err });
    }
  }
  if (!res.ok) {
    const rec = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const code = typeof rec['code'] === 'string' ? rec['code'] : res.status === 401 ? DashboardErrorCode.UNAUTHORIZED : DashboardErrorCode.BAD_RESPONSE;
    const message = typeof rec['message'] === 'string' ? rec['message'] : `Request failed (${res.status})`;
    throw new DashboardError(code, message, res.status);
  }
  return body;
}
