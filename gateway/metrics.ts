import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LinkState } from './uplink/link-state.js';
import type { UplinkHooks } from './uplink/uplink.js';
import type { ClassName } from '../protocols/index.js';
import type { DeviceCounterSnapshot } from './devices/device-counters.js';

const LINK_STATE_VALUE: Record<LinkState, number> = { idle: 0, connecting: 1, authenticating: 2, ready: 3, backoff: 4, closed: 5, refused: 6 };

/** The gateway's Prometheus metrics, on their own registry (never the global one). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly framesSent = new Counter({ name: 'telemed_gateway_frames_sent_total', help: 'Frames written to the uplink, by class', labelNames: ['class'], registers: [this.registry] });
  readonly framesDropped = new Counter({ name: 'telemed_gateway_frames_dropped_total', help: 'Frames dropped before the link, by class and reason', labelNames: ['class', 'reason'], registers: [this.registry] });
  readonly linkState = new Gauge({
    name: 'telemed_gateway_link_state',
    help: 'Uplink state: 0 idle, 1 connecting, 2 authenticating, 3 ready, 4 backoff, 5 closed, 6 refused',
    registers: [this.registry],
  });
  readonly reconnects = new Counter({ name: 'telemed_gateway_reconnects_total', help: 'Uplink connection attempts after the first', registers: [this.registry] });
  readonly rtt = new Gauge({ name: 'telemed_gateway_rtt_seconds', help: 'Uplink round-trip time (best of the last 8 pings)', registers: [this.registry] });
  readonly outboxBytes: Gauge;
  /** SESSION.md §3/§4: hub capture to our receipt, the clock offset applied. */
  readonly downlinkLatency = new Histogram({
    name: 'telemed_gateway_downlink_latency_seconds',
    help: 'One-way latency of frames from the hub, by class (receiver-measured, clock offset applied)',
    labelNames: ['class'],
    buckets: [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  /** Issue 12 item 11: diagnoses received, by signature check (verified, unverified, no-key, legacy). */
  readonly diagnoses = new Counter({ name: 'telemed_gateway_ecg_diagnoses_total', help: 'ECG diagnoses received from the hub, by signature check', labelNames: ['verification'], registers: [this.registry] });
  readonly outboxFullAlarms = new Counter({ name: 'telemed_gateway_outbox_full_alarms_total', help: 'Technical alarms raised because the outbox was full (rate-limited; refused frames are frames_dropped_total{reason="outbox_full"})', registers: [this.registry] });

  /** Issue 12 item 2: frames of hub rollbacks, resent from retention or lost (pruned before the rollback). */
  readonly hubRollbackFrames = new Counter({ name: 'telemed_gateway_hub_rollback_frames_total', help: 'Frames a hub rollback lost: resent from the retained acked frames, or missing (pruned here already)', labelNames: ['outcome'], registers: [this.registry] });
  readonly tlsErrors = new Counter({ name: 'telemed_gateway_tls_errors_total', help: 'TLS failures toward the hub, by code (TM_ERR_HUB_CERT_UNTRUSTED, TM_ERR_TLS_HANDSHAKE)', labelNames: ['code'], registers: [this.registry] });

  /** The devices' own counters, read at scrape time (observeDevices); none until a source is set. */
  private deviceSource: () => readonly DeviceCounterSnapshot[] = () => [];
  /**
   * Per device: received, rejected by code, reconnects (gateway/devices/device-counters.ts says what
   * each counts per kind). Labels are the configured device id and the driver's stable TM_ERR_*
   * code only, so the series are bounded by the config and the drivers' code lists.
   */
  readonly deviceReceived: Counter;
  readonly deviceRejected: Counter;
  readonly deviceReconnects: Counter;

  constructor(outboxBytes: () => number, opts: { defaultMetrics?: boolean } = {}) {
    this.outboxBytes = new Gauge({
      name: 'telemed_gateway_outbox_bytes',
      help: 'Bytes of durable frames waiting for the hub',
      registers: [this.registry],
      collect() {
        this.set(outboxBytes());
      },
    });
    // The drivers count for themselves; each scrape copies their totals (reset, then set by inc).
    const source = (): readonly DeviceCounterSnapshot[] => this.deviceSource();
    this.deviceReceived = new Counter({
      name: 'telemed_gateway_device_received_total',
      help: 'Units received from each device (cart frames, MQTT messages, HL7 messages, NMEA sentences)',
      labelNames: ['device'], registers: [this.registry],
      collect() {
        this.reset();
        for (const d of source()) this.inc({ device: d.device }, d.received);
      },
    });
    this.deviceRejected = new Counter({
      name: 'telemed_gateway_device_rejected_total',
      help: 'Units rejected from each device, by stable error code',
      labelNames: ['device', 'code'], registers: [this.registry],
      collect() {
        this.reset();
        for (const d of source()) for (const [code, n] of Object.entries(d.rejected)) this.inc({ device: d.device, code }, n);
      },
    });
    this.deviceReconnects = new Counter({
      name: 'telemed_gateway_device_reconnects_total',
      help: 'Device sessions re-established after the first (serial reopen, MQTT session back, HL7 sender reconnect)',
      labelNames: ['device'], registers: [this.registry],
      collect() {
        this.reset();
        for (const d of source()) this.inc({ device: d.device }, d.reconnects);
      },
    });
    this.linkState.set(0);
    if (opts.defaultMetrics === true) collectDefaultMetrics({ register: this.registry, prefix: 'telemed_gateway_' });
  }

  /** Where the per-device counters come from (the device manager's DeviceCounters.snapshot). */
  observeDevices(source: () => readonly DeviceCounterSnapshot[]): void {
    this.deviceSource = source;
  }

  /**
   * Hooks that feed these metrics from the uplink. Per-frame counters go through bound children,
   * one per class (and reason), made on first use: `inc({ class })` hashes the labels on every
   * call, which bench:throughput showed among the gateway's per-frame costs.
   */
  hooks(): UplinkHooks {
    const sent = new Map<ClassName, { inc(): void }>();
    const dropped = new Map<string, { inc(): void }>();
    return {
      sent: (f) => {
        let c = sent.get(f.className);
        if (c === undefined) sent.set(f.className, (c = this.framesSent.labels({ class: f.className })));
        c.inc();
      },
      dropped: (f, reason) => {
        const key = `${f.className}/${reason}`;
        let c = dropped.get(key);
        if (c === undefined) dropped.set(key, (c = this.framesDropped.labels({ class: f.className, reason })));
        c.inc();
      },
      state: (next, prev) => {
        this.linkState.set(LINK_STATE_VALUE[next]);
        if (next === 'connecting' && (prev === 'backoff' || prev === 'refused')) this.reconnects.inc();
      },
      rtt: (ms) => this.rtt.set(ms / 1000),
      downlinkLatency: (cls, ms) => this.downlinkLatency.observe({ class: cls }, ms / 1000),
      outboxFull: () => this.outboxFullAlarms.inc(),
      hubRollback: (resent, missing) => {
        this.hubRollbackFrames.inc({ outcome: 'resent' }, resent);
        this.hubRollbackFrames.inc({ outcome: 'missing' }, missing);
      },
      tlsError: (code) => this.tlsErrors.inc({ code }),
    };
  }
}
