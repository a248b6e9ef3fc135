import type { GatewayView, HubLiveMessage, VitalsMessage } from '../../shared/types.js';

/** What the console shows; replaced (never mutated) on every message. */
export interface ConsoleState {
  /** Keyed by gateway id. Bounded by the hub's gateway list. */
  gateways: Readonly<Record<string, GatewayView>>;
  /** Latest vitals per gateway only: older frames are replaced, so this never grows. */
  vitals: Readonly<Record<string, VitalsMessage>>;
  /** Alarms received this session per gateway (count only; the alarm list is another view). */
  alarms: Readonly<Record<string, number>>;
}

export const EMPTY_CONSOLE: ConsoleState = { gateways: {}, vitals: {}, alarms: {} };

/** Applies one `/live` message (docs/CONTRACTS.md) to the state. */
export function applyHubMessage(state: ConsoleState, msg: HubLiveMessage): ConsoleState {
  switch (msg.type) {
    case 'snapshot': {
      // A snapshot is the whole truth after a (re)connect: gateways it does not list are gone.
      const gateways: Record<string, GatewayView> = {};
      for (const g of msg.gateways) gateways[g.id] = g;
      return { ...state, gateways };
    }
    case 'gateway':
      return { ...state, gateways: { ...state.gateways, [msg.gateway.id]: msg.gateway } };
    case 'vitals':
      return { ...state, vitals: { ...state.vitals, [msg.gatewayId]: msg } };
    case 'alarm':
      return { ...state, alarms: { ...state.alarms, [msg.gatewayId]: (state.alarms[msg.gatewayId] ?? 0) + 1 } };
  }
}

/** Gateways in display order: connected first, then ambulances before clinics, then by id. */
export function sortedGateways(state: ConsoleState): GatewayView[] {
  return Object.values(state.gateways).sort((a, b) => {
    if (a.connected !== b.connected) return a.connected ? -1 : 1;
    if (a.siteKind !== b.siteKind) return a.siteKind === 'ambulance' ? -1 : 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}
