// The gateway of bench:teleop-cut in its own process (a clinic box of its own): started from the
// raw config in argv[2], reports `ready` once connected and clock-synced, closes on `close`.
import { pino } from 'pino';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/main.js';
import { systemClock } from '../../protocols/index.js';
import { sleep } from '../uplink/clock.js';

export type FromGatewayChild =
  /** wallMinusOriginMs: this process's systemClock wall time − (performance.timeOrigin + now()), to map its audit times. */
  | { readonly type: 'ready'; readonly wallMinusOriginMs: number }
  | { readonly type: 'closed' }
  | { readonly type: 'failed'; readonly message: string };
export type ToGatewayChild = { readonly type: 'close' };

const send = (m: FromGatewayChild): void => { process.send?.(m); };
async function main(): Promise<void> {
  const raw = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
  let gw: RunningGateway | null = null;
  // The bench died: so does its gateway.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: ToGatewayChild) => {
    if (m.type !== 'close') return;
    void (async () => {
      await gw?.close();
      send({ type: 'closed' });
      process.exit(0);
    })();
  });
  gw = await startGateway(loadGatewayConfig(raw), { logger: pino({ level: 'silent' }) });
  const t0 = Date.now();
  while (gw.uplink.session.clockOffsetMs == null || Number.isNaN(gw.uplink.session.clockOffsetMs)) {
    if (Date.now() - t0 > 15_000) throw new Error('no clock offset within 15 s');
    await sleep(10);
  }
  send({ type: 'ready', wallMinusOriginMs: systemClock.nowNs() / 1e6 - (performance.timeOrigin + performance.now()) });
}

main().catch((err: unknown) => {
  send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
