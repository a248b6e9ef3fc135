// A patient monitor sending IHE PCD-01 / PCD-04 over MLLP, driven by the clinical scenario engine
// (simulators/vitals): an ORU^R01 per 1 Hz numerics tick (plus, with `waveforms`, one per tick
// carrying the ECG II / pleth / CO2 samples as NA rows), an ORU^R40 per alarm start and end.
// During a scenario's reboot it sends nothing and then reconnects (a new TCP session).
import { createScenario, type ScenarioName, type VitalsScenario } from '../vitals/index.js';
import { MllpSender, type MllpSenderOptions, type MllpSenderStats } from './mllp-sender.js';
import { oruR01, oruR40, type MonitorIdentity } from './pcd-encode.js';

export interface Hl7MonitorOptions extends Omit<MllpSenderOptions, 'host' | 'port'> {
  readonly host: string;
  readonly port: number;
  readonly scenario: ScenarioName;
  readonly seed: number;
  /** Scenario speed (trends and events compressed; sample rates kept). Default 1. */
  readonly speed?: number;
  /** Send waveforms as PCD-01 NA rows too. Default false (numerics and alarms only). */
  readonly waveforms?: boolean;
  /** How often the scenario is advanced and its output sent, ms. Default 1000. */
  readonly tickMs?: number;
  /** MSH-3 namespace id. Default TM_SIM_MONITOR. */
  readonly application?: string;
  /** Unix ms of scenario time 0. Default: now. */
  readonly startTimeMs?: number;
}

/** The monitor's EUI-64 for a seed: a fixed OUI-like prefix + the seed, 16 hex digits. */
export function simulatedEui64(seed: number): string {
  return `00A0C9FFFE${(seed >>> 0).toString(16).toUpperCase().padStart(6, '0').slice(-6)}`;
}

export class Hl7MonitorSimulator {
  readonly sender: MllpSender;
  private readonly scenario: VitalsScenario;
  private readonly id: MonitorIdentity;
  private timer: NodeJS.Timeout | null = null;
  private t0 = 0;
  private startMs = 0;
  private boot = 1;
  private seq = 0;
  /** Messages built, by kind. */
  readonly built = { numerics: 0, waveforms: 0, alarms: 0 };

  constructor(private readonly o: Hl7MonitorOptions) {
    this.sender = new MllpSender(o);
    this.scenario = createScenario({ scenario: o.scenario, seed: o.seed, ...(o.speed !== undefined ? { speed: o.speed } : {}) });
    const eui = simulatedEui64(o.seed);
    this.id = { eui64: eui, application: o.application ?? 'TM_SIM_MONITOR', facility: 'AMBULANCE', patientRef: `ENC-${o.seed}` };
  }

  get stats(): MllpSenderStats {
    return this.sender.stats;
  }

  get eui64(): string {
    return this.id.eui64;
  }

  start(): void {
    this.t0 = performance.now();
    this.startMs = this.o.startTimeMs ?? Date.now();
    this.timer = setInterval(() => this.tick(), this.o.tickMs ?? 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sender.stop();
  }

  private controlId(): string {
    // The boot count is part of the id: a rebooted monitor starting its counter again must not
    // look like a retransmission to the receiver's duplicate memory.
    return `${this.id.eui64.slice(-6)}-B${this.boot}-${++this.seq}`;
  }

  private tick(): void {
    const step = this.scenario.advance(performance.now() - this.t0);
    if (step.bootCount !== this.boot) {
      this.boot = step.bootCount;
      this.seq = 0;
      this.sender.reconnect();
    }
    if (!step.online) return;
    for (const a of step.alarms) {
      this.built.alarms++;
      this.sender.enqueue(oruR40(this.id, this.controlId(), this.startMs, a), true);
    }
    for (const f of step.numerics) {
      this.built.numerics++;
      this.sender.enqueue(oruR01(this.id, this.controlId(), this.startMs, f));
    }
    if (this.o.waveforms && step.waveforms.length > 0) {
      this.built.waveforms++;
      this.sender.enqueue(oruR01(this.id, this.controlId(), this.startMs, undefined, step.waveforms));
    }
  }
}
