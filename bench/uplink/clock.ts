// Wall time shared by every process of a bench run. The children are separate processes on the
// same machine: performance.timeOrigin is a sub-millisecond wall-clock stamp of each process's
// start, so `timeOrigin + now()` agrees across processes far better than Date.now() (1 ms steps).

/** Wall time, Unix milliseconds with sub-ms resolution. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves after `ms`, or at once (rejecting) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
