import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ArmDevice, ArmStatus } from '../devices/arm-device.js';
import type { Decision } from '../safety/index.js';

/** Stable code of a request for an arm this gateway does not have. */
export const ARM_UNKNOWN = 'TM_ERR_ARM_UNKNOWN';

/** /live pushes per arm at most this often (the page needs no more; telemetry goes up at 25 Hz). */
export const ARM_LIVE_MIN_INTERVAL_MS = 100;

export interface ArmApi {
  readonly routes: (app: FastifyInstance) => Promise<void>;
  /** `{ type: 'arm', arm: ArmStatus }` for /live, at most one per arm per 100 ms (a trailing push carries the last change). */
  readonly onChange: (listener: (msg: { type: 'arm'; arm: ArmStatus }) => void) => () => void;
  readonly snapshot: () => ArmStatus[];
}

/**
 * The clinic page's arm API (docs/CONTRACTS.md "Gateway local API"): status, e-stop, clear,
 * fault reset. Behind gateway/api-guard.ts like every route: POSTs need the install token and a
 * same-origin page, so the e-stop clear (which the link can never do) is only the clinic's.
 */
export function createArmApi(arms: () => readonly ArmDevice[]): ArmApi {
  const find = (id: string): ArmDevice | undefined => arms().find((a) => a.id === id);
  const unknown = (reply: FastifyReply): FastifyReply => reply.code(404).send({ code: ARM_UNKNOWN, message: 'no such arm on this gateway' });
  const answer = (reply: FastifyReply, arm: ArmDevice, d: Decision): FastifyReply => {
    if (d.decision === 'rejected') {
      reply.log.info({ code: d.reason, armId: arm.id }, 'arm request refused');
      return reply.code(409).send({ code: d.reason, message: `refused in state ${d.state}`, arm: arm.status() });
    }
    return reply.send({ decision: d.decision, reason: d.reason, arm: arm.status() });
  };
  const action = (app: FastifyInstance, path: string, act: (a: ArmDevice) => Decision): void => {
    app.post<{ Params: { armId: string } }>(`/api/arm/:armId/${path}`, (req, reply) => {
      const arm = find(req.params.armId);
      return arm === undefined ? unknown(reply) : answer(reply, arm, act(arm));
    });
  };

  return {
    snapshot: () => arms().map((a) => a.status()),
    routes: (app) => {
      app.get('/api/arm', () => ({ arms: arms().map((a) => a.status()) }));
      app.get<{ Params: { armId: string } }>('/api/arm/:armId', (req, reply) => {
        const arm = find(req.params.armId);
        return arm === undefined ? unknown(reply) : reply.send({ arm: arm.status() });
      });
      action(app, 'estop', (a) => a.estop());
      action(app, 'estop/clear', (a) => a.clearEstop());
      action(app, 'fault/reset', (a) => a.resetFault());
      return Promise.resolve();
    },
    onChange: (listener) => {
      const offs = arms().map((arm) => {
        let last = -Infinity;
        let trailing: NodeJS.Timeout | null = null;
        const push = (): void => {
          trailing = null;
          last = performance.now();
          listener({ type: 'arm', arm: arm.status() });
        };
        const off = arm.onChange(() => {
          if (trailing !== null) return;
          const wait = last + ARM_LIVE_MIN_INTERVAL_MS - performance.now();
          if (wait <= 0) push();
          else trailing = setTimeout(push, wait);
        });
        return () => {
          off();
          if (trailing !== null) clearTimeout(trailing);
        };
      });
      return () => { for (const off of offs) off(); };
    },
  };
}
