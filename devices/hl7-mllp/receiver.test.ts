// The receiver on the real IHE PCD messages of ../shared/data/ihe-pcd01-messages (values as in its
// GROUND_TRUTH.txt), duplicates, refusals, sentinels.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TrafficClass, telemed } from '../../protocols/index.js';
import { parseHl7, value } from '../../protocols/hl7v2/index.js';
import { sharedDataPath } from '../../test/helpers/shared-data.js';
import { Hl7Receiver, type ReadingDraft } from './receiver.js';

const v1 = telemed.v1;
const file = (p: string): Uint8Array => new Uint8Array(readFileSync(sharedDataPath('ihe-pcd01-messages', p)));
const newReceiver = (allowApplications?: string[]): Hl7Receiver => {
  let n = 0;
  return new Hl7Receiver({ ackId: () => `ACK${++n}`, timestamp: () => '20261206080000+0000', ...(allowApplications ? { allowApplications } : {}) });
};
const nums = (r: ReadingDraft): Record<string, number | 'NA'> => {
  const p = r.payload as { vitals: telemed.v1.IVitalsNumerics };
  return Object.fromEntries((p.vitals.numerics ?? []).map((n): [string, number | 'NA'] => [n.label ?? '', n.valid ? n.value ?? NaN : 'NA']));
};
const msa = (ack: string | undefined) => {
  const m = parseHl7(ack!);
  const s = m.segments.find((x) => x.name === 'MSA')!;
  return { code: value(s, 1), control: value(s, 2), text: value(s, 3) };
};

describe('Hl7Receiver on the IHE PCD messages', () => {
  it('E.1.2 episodic NIBP: 111/60 (80) mm[Hg] and pulse 63, one VITALS durable reading, AA', () => {
    const r = newReceiver();
    const out = r.handle(file('ihe-pcd-tf-vol2-rev9/E.1.2_pcd01_episodic_nibp_acme_gateway.hl7'));
    expect(out.code).toBe('AA');
    expect(msa(out.ack)).toMatchObject({ code: 'AA', control: '0104ef190d604db188c3' });
    expect(out.readings).toHaveLength(1);
    const [rd] = out.readings;
    expect(rd).toMatchObject({ trafficClass: TrafficClass.TRAFFIC_CLASS_VITALS, durable: true });
    expect(nums(rd!)).toEqual({ NIBP_SYS: 111, NIBP_DIA: 60, NIBP_MEAN: 80, PR: 63 });
    const n0 = (rd!.payload as { vitals: telemed.v1.IVitalsNumerics }).vitals.numerics![0]!;
    expect(n0).toMatchObject({ code: 'MDC_PRESS_BLD_NONINV_SYS', unit: 'mm[Hg]' });
    expect(n0.timeNs).toBeGreaterThan(0);
  });

  it('E.1.1 Philips: every row has OBX-11 X, so every numeric is valid:false (never a number)', () => {
    const out = newReceiver().handle(file('ihe-pcd-tf-vol2-rev9/E.1.1_pcd01_physiological_monitor_philips.hl7'));
    expect(out.code).toBe('AA');
    expect(nums(out.readings[0]!)).toEqual({ NIBP_SYS: 'NA', NIBP_DIA: 'NA', NIBP_MEAN: 'NA', HR: 'NA', RR: 'NA', SPO2: 'NA' });
  });

  it('J.2 Continua cuff: 120/80 (100), device id from the OBX-18 EUI-64, stream per monitor', () => {
    const out = newReceiver().handle(file('ihe-pcd-tf-vol2-rev9/J.2_pcd01_continua_bp_from_soap_example.hl7'));
    const rd = out.readings[0]!;
    expect(nums(rd)).toEqual({ NIBP_SYS: 120, NIBP_DIA: 80, NIBP_MEAN: 100 });
    expect(rd.stream).toBe('0123456789ABCDEF/vitals');
    expect((rd.payload as { vitals: telemed.v1.IVitalsNumerics }).vitals.deviceId).toBe('0123456789ABCDEF');
  });

  it('t5 pulse-ox panel: pulse 55 from the MDC alternate of a LOINC code; device from MSH-3', () => {
    const out = newReceiver().handle(file('sll-mdilab-t5-doc/pcd01_pulse_oximetry_panel_nist.hl7'));
    expect(nums(out.readings[0]!)).toEqual({ PR: 55 });
  });

  it('t5 waveform: ECG I/II at 150 Hz and pleth at 125 Hz as non-durable WAVEFORM, sample-exact', () => {
    const out = newReceiver().handle(file('sll-mdilab-t5-doc/pcd01_waveform_ecg_spo2.hl7'));
    expect(out.readings.every((r) => 'waveform' in r.payload)).toBe(true);
    const waves = out.readings.map((r) => ({ stream: r.stream, cls: r.trafficClass, durable: r.durable, w: (r.payload as { waveform: telemed.v1.IWaveformChunk }).waveform }));
    expect(waves.map((w) => [w.stream, w.w.sampleRateHz, w.w.unit])).toEqual([
      ['SendingApplication/wave-ECG_LEAD_I', 150, 'mV'],
      ['SendingApplication/wave-ECG_LEAD_II', 150, 'mV'],
      ['SendingApplication/wave-PULS_OXIM_SAT_O2_WAVEFORM', 125, '%'],
    ]);
    expect(waves.every((w) => w.cls === TrafficClass.TRAFFIC_CLASS_WAVEFORM && !w.durable)).toBe(true);
    expect(waves[1]!.w.samples).toEqual([1050, 1055, 1040]); // 1.04980469 mV … at 1 µV per count
    expect(waves[1]!.w.scale).toBe(0.001);
  });

  it('PCD-04: Draeger CO2 sensor unplugged (active, low, physiological per its type SP); B.Braun occlusion start then end', () => {
    const r = newReceiver();
    const d = r.handle(file('draeger-ihe-pcd-acm/PCD04_alarm.txt'));
    expect(d.code).toBe('AA');
    const a = (d.readings[0]!.payload as { alarm: telemed.v1.IAlarm }).alarm;
    expect(d.readings[0]).toMatchObject({ stream: '0000000000000001/alarm', trafficClass: TrafficClass.TRAFFIC_CLASS_ALARM, durable: true });
    expect(a).toMatchObject({ code: 'MDC_EVT_SENSOR_DISCONN', text: 'CO2 Sensor unplugged', state: v1.AlarmState.ALARM_STATE_ACTIVE, priority: v1.AlarmPriority.ALARM_PRIORITY_LOW, kind: v1.AlarmKind.ALARM_KIND_PHYSIOLOGICAL });
    const start = (r.handle(file('ihe-pcd-tf-vol2-rev9/E.3.2_pcd04_bbraun_occlusion_alarm_start.hl7')).readings[0]!.payload as { alarm: telemed.v1.IAlarm }).alarm;
    const end = (r.handle(file('ihe-pcd-tf-vol2-rev9/E.3.2_pcd04_bbraun_occlusion_alarm_end.hl7')).readings[0]!.payload as { alarm: telemed.v1.IAlarm }).alarm;
    expect(start).toMatchObject({ code: 'MDC_EVT_FLUID_LINE_OCCL', state: v1.AlarmState.ALARM_STATE_ACTIVE, kind: v1.AlarmKind.ALARM_KIND_TECHNICAL });
    expect(end).toMatchObject({ code: 'MDC_EVT_FLUID_LINE_OCCL', state: v1.AlarmState.ALARM_STATE_CLEARED });
    expect(end.alarmId).toBe(start.alarmId);
  });

  it('a repeated control id is acknowledged AA again and not emitted twice', () => {
    const r = newReceiver();
    const f = file('ihe-pcd-tf-vol2-rev9/E.1.2_pcd01_episodic_nibp_acme_gateway.hl7');
    expect(r.handle(f).readings).toHaveLength(1);
    const again = r.handle(f);
    expect(again.readings).toHaveLength(0);
    expect(msa(again.ack)).toMatchObject({ code: 'AA', control: '0104ef190d604db188c3' });
    expect(r.stats.duplicates).toBe(1);
  });

  it('refusals: ORU^R42 and ORA^R41 are AR (unsupported), an unparseable body AR with its code, no MSH no answer', () => {
    const r = newReceiver();
    const pump = r.handle(file('ihe-pcd-tf-vol2-rev9/M.1.2.2_pcd10_infusion_delivery_start.hl7'));
    expect(msa(pump.ack)).toMatchObject({ code: 'AR', control: '6358051206735492253', text: 'TM_ERR_HL7_PCD_UNSUPPORTED' });
    const bad = r.handle(new TextEncoder().encode('MSH|^~\\&|MON|AMB|||20261206||ORU^R01|C77|P|2.6\robx|bad'));
    expect(msa(bad.ack)).toMatchObject({ code: 'AR', control: 'C77', text: 'TM_ERR_HL7_BAD_SEGMENT_ID' });
    const none = r.handle(new TextEncoder().encode('hello'));
    expect(none.ack).toBeUndefined();
    expect(r.stats.errors).toMatchObject({ TM_ERR_HL7_PCD_UNSUPPORTED: 1, TM_ERR_HL7_BAD_SEGMENT_ID: 1, TM_ERR_HL7_NO_MSH: 1 });
    expect(r.stats.unanswered).toBe(1);
  });

  it('sentinels and implausible values are valid:false; an unknown unit is AE with its code', () => {
    const msg = [
      'MSH|^~\\&|MON7|AMB|||20261206080000+0000||ORU^R01^ORU_R01|S1|P|2.6',
      'OBR|1||X|182777000^monitoring of patient^SCT|||20261206080000+0000',
      'OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|-100|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F',
      'OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.2|8388607|262688^MDC_DIM_PERCENT^MDC|||||F',
      'OBX|3|NM|151562^MDC_RESP_RATE^MDC|1.1.1.3|NaN|264928^MDC_DIM_RESP_PER_MIN^MDC|||||F',
      'OBX|4|NM|150364^MDC_TEMP_BODY^MDC|1.1.1.4|37.2|268192^MDC_DIM_DEGC^MDC|||||N',
      'OBX|5|NM|151708^MDC_CONC_AWAY_CO2_ET^MDC|1.1.1.5|5|265987^MDC_DIM_KILO_PASCAL^MDC|||||F',
      'OBX|6|NM|150033^MDC_PRESS_BLD_ART_SYS^MDC|1.1.1.6|120|999^MDC_DIM_NONSENSE^MDC|||||F',
      'OBX|7|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.1.7|900|266016^MDC_DIM_MMHG^MDC|||||F',
    ].join('\r');
    const out = newReceiver().handle(new TextEncoder().encode(msg));
    const n = nums(out.readings[0]!);
    expect(n).toMatchObject({ HR: 'NA', SPO2: 'NA', RR: 'NA', TEMP: 'NA', IBP_SYS: 'NA', NIBP_SYS: 'NA' });
    expect(n.ETCO2).toBeCloseTo(37.5, 1); // 5 kPa in mm[Hg]
    expect(msa(out.ack)).toMatchObject({ code: 'AE', control: 'S1' });
    expect(msa(out.ack).text).toMatch(/^TM_ERR_HL7_BAD_UNIT/);
  });

  it('allow-list of sending applications: another MSH-3 gets AR and emits nothing', () => {
    const r = newReceiver(['ACME_GATEWAY_NOT_THIS']);
    const out = r.handle(file('ihe-pcd-tf-vol2-rev9/E.1.2_pcd01_episodic_nibp_acme_gateway.hl7'));
    expect(out.readings).toHaveLength(0);
    expect(msa(out.ack)).toMatchObject({ code: 'AR', text: 'TM_ERR_HL7_SENDER_NOT_ALLOWED' });
  });

  it('an MSH-2 without a repetition character and no MSH-18 (made decodeHl7Bytes throw; found by the listener fuzz) is counted, not a handler crash', () => {
    const r = newReceiver();
    const out = r.handle(new TextEncoder().encode('MSH|^\n\\&|||||20191127160542||ACK^R40|||2.7\r\nMSA|CA|x\r\n'));
    // MSH-2 is "^" alone: not even the MSH line parses, so there is no one to answer; counted.
    expect(out.ack).toBeUndefined();
    expect(r.stats.errors).toEqual({ TM_ERR_HL7_BAD_DELIMITERS: 1 });
    expect(r.stats.unanswered).toBe(1);
    const two = r.handle(new TextEncoder().encode('MSH||~\\&#||x||20191127160542||ACK^R40|||2.7\r\nMSA|CA|x\r\n'));
    expect(two.ack === undefined || /MSA\|A[RE]/.test(two.ack)).toBe(true);
  });
});
