import type { PhysState, ScenarioName } from './scenario-types.js';

// What each scenario does to the patient, as functions of scenario time (seconds). The numbers
// are textbook-typical adult values, not any one patient: a septic patient becomes tachycardic,
// hypotensive, tachypnoeic and febrile (qSOFA: RR ≥ 22, SBP ≤ 100), SpO2 sags late; hypoxaemia
// drives HR and RR up; pulseless VT/VF has no pulse, so no pleth and no pulse rate.

/** Timeline constants, scenario seconds (documented in simulators/vitals/README.md). */
export const TIMELINE = Object.freeze({
  sepsisS: 600, // deterioration from start to worst over 10 min
  hypoxiaStartS: 30,
  hypoxiaS: 240, // SpO2 97 → 80 over 4 min
  vtOnsetS: 60,
  arrestS: 120, // VT degenerates to VF (pulseless)
  asystoleS: 300,
  probeOffS: 60,
  probeOnS: 120,
  rebootS: 90,
  rebootSilenceS: 20,
});

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);
/** Smooth 0 → 1 ramp between a and b (zero slope at both ends, as physiology drifts). */
function ramp(t: number, a: number, b: number): number {
  const x = clamp01((t - a) / (b - a));
  return x * x * (3 - 2 * x);
}
const lerp = (a: number, b: number, s: number): number => a + (b - a) * s;

const STABLE: PhysState = {
  rhythm: 'sinus', hr: 78, spo2: 97, sys: 124, dia: 78, rr: 14, temp: 36.9, etco2: 37,
  perfusion: 1, probeOff: false, online: true,
};

function sepsis(t: number): PhysState {
  const s = ramp(t, 0, TIMELINE.sepsisS);
  // SpO2 falls late (s^2): lungs hold up until the shock is established.
  return {
    ...STABLE,
    hr: lerp(92, 134, s), spo2: lerp(96, 88.5, s * s), sys: lerp(112, 78, s), dia: lerp(68, 42, s),
    rr: lerp(20, 32, s), temp: lerp(38.0, 39.4, s), etco2: lerp(34, 26, s), perfusion: lerp(0.9, 0.45, s),
  };
}

function hypoxia(t: number): PhysState {
  const s = ramp(t, TIMELINE.hypoxiaStartS, TIMELINE.hypoxiaStartS + TIMELINE.hypoxiaS);
  return {
    ...STABLE,
    hr: lerp(86, 118, s), spo2: lerp(97, 80, s), sys: lerp(128, 140, s), dia: lerp(80, 86, s),
    rr: lerp(18, 34, s), etco2: lerp(38, 31, s), perfusion: lerp(1, 0.8, s),
  };
}

function vtArrest(t: number): PhysState {
  if (t < TIMELINE.vtOnsetS) return { ...STABLE, hr: 96, sys: 118, dia: 74, rr: 18, spo2: 95 };
  if (t < TIMELINE.arrestS) {
    // VT with a weak pulse: pressure falls over the first seconds, SpO2 drifts down.
    const s = ramp(t, TIMELINE.vtOnsetS, TIMELINE.vtOnsetS + 15);
    return {
      ...STABLE, rhythm: 'vt', hr: 186, sys: lerp(118, 72, s), dia: lerp(74, 48, s), rr: 26,
      spo2: lerp(95, 89, ramp(t, TIMELINE.vtOnsetS, TIMELINE.arrestS)), etco2: lerp(37, 24, s), perfusion: lerp(1, 0.25, s),
    };
  }
  // Arrest: no pulse, the arterial line reads the mean filling pressure; the crew ventilates at
  // 10/min, so there is a capnogram with a low EtCO2 (no CPR in the model).
  const rhythm = t < TIMELINE.asystoleS ? 'vf' : 'asystole';
  return { ...STABLE, rhythm, hr: 0, spo2: 85, sys: 18, dia: 14, rr: 10, etco2: 9, perfusion: 0 };
}

function probeOff(t: number): PhysState {
  return { ...STABLE, probeOff: t >= TIMELINE.probeOffS && t < TIMELINE.probeOnS };
}

function monitorReboot(t: number): PhysState {
  return { ...STABLE, hr: 84, online: !(t >= TIMELINE.rebootS && t < TIMELINE.rebootS + TIMELINE.rebootSilenceS) };
}

/** The noiseless state of the patient and monitor at scenario time `t` seconds. */
export function physStateAt(scenario: ScenarioName, t: number): PhysState {
  switch (scenario) {
    case 'stable': return STABLE;
    case 'sepsis': return sepsis(t);
    case 'hypoxia': return hypoxia(t);
    case 'vt-arrest': return vtArrest(t);
    case 'probe-off': return probeOff(t);
    case 'monitor-reboot': return monitorReboot(t);
  }
}
