import { telemed, type Clock } from '../../protocols/index.js';

/** What the local page and /api/status show about the outbox. */
export interface OutboxFullState {
  /** Durable readings refused because the outbox was full, since start. */
  refused: number;
  /** Technical alarms raised for it (rate-limited), since start. */
  alarms: number;
  /** Unix ms of the last refusal; null when none. */
  lastRefusedAtMs: number | null;
}

/**
 * Counts refusals of a full outbox and raises a technical alarm for them, at most once per
 * `minIntervalMs` (default 10 s): a full outbox refuses every reading, and one alarm per reading
 * would bury the hub's alarm list and flood the link that is already too slow.
 */
export class OutboxFullAlarm {
  private lastAlarmMs = -Infinity;
  readonly state: OutboxFullState = { refused: 0, alarms: 0, lastRefusedAtMs: null };

  constructor(
    private readonly clock: Clock,
    private readonly raise: (refused: number) => void,
    private readonly minIntervalMs = 10_000,
  ) {}

  /** One durable reading was refused. Raises the alarm when the last one is old enough. */
  refused(): void {
    this.state.refused += 1;
    this.state.lastRefusedAtMs = this.clock.nowNs() / 1e6;
    const now = this.clock.monoMs();
    if (now - this.lastAlarmMs < this.minIntervalMs) return;
    this.lastAlarmMs = now;
    this.state.alarms += 1;
    this.raise(this.state.refused);
  }
}

/** The technical alarm (protocols/telemed.proto Alarm) sent to the hub for a full outbox. */
export function outboxFullAlarmPayload(gatewayId: string, alarmNo: number, bytes: number, maxBytes: number, refused: number): telemed.v1.IAlarm {
  const { AlarmKind, AlarmPriority, AlarmState } = telemed.v1;
  return {
    alarmId: `${gatewayId}-outbox-full-${alarmNo}`, deviceId: gatewayId,
    kind: AlarmKind.ALARM_KIND_TECHNICAL, priority: AlarmPriority.ALARM_PRIORITY_HIGH, state: AlarmState.ALARM_STATE_ACTIVE,
    code: 'TM_ALARM_OUTBOX_FULL', text: `gateway outbox full (${bytes} of ${maxBytes} bytes): ${refused} durable readings refused`,
    value: refused, unit: '{readings}',
  };
}
