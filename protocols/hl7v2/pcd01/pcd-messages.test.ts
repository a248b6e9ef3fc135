// Every message in ../shared/data/ihe-pcd01-messages against its ground truth: GROUND_TRUTH.txt
// holds, per file, the message header values, the segment sequence and one line per OBX as
// pcd_ground_truth.py prints it. We print the same line from OUR extraction (parser + readObservation)
// and compare the text exactly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedDataPath } from '../../../test/helpers/shared-data.js';
import { parseHl7, value } from '../message.js';
import { readAlarm } from './alarm.js';
import { type PcdMessage, extractPcd, observationTime } from './extract.js';
import type { CodedElement, PcdObservation } from './observation.js';

const DIR = sharedDataPath('ihe-pcd01-messages');

interface Truth {
  msh9: string;
  controlId: string;
  segments: string[];
  obx: string[];
}

function groundTruth(): Map<string, Truth> {
  const lines = readFileSync(join(DIR, 'GROUND_TRUTH.txt'), 'utf8').split('\n');
  const out = new Map<string, Truth>();
  let cur: Truth | undefined;
  let inObx = false;
  for (const line of lines) {
    const file = /^FILE (\S+)$/.exec(line);
    if (file) {
      cur = { msh9: '', controlId: '', segments: [], obx: [] };
      out.set(file[1]!, cur);
      inObx = false;
      continue;
    }
    if (!cur) continue;
    let m;
    if ((m = /^ {4}MSH-9 message type +: (.*)$/.exec(line))) cur.msh9 = m[1]!;
    else if ((m = /^ {4}MSH-10 control id +: (.*)$/.exec(line))) cur.controlId = m[1]!;
    else if ((m = /^ {4}segments \(\d+\) +: (.*)$/.exec(line))) cur.segments = m[1]!.split(' ');
    else if (line.startsWith('    OBX#  set  type')) inObx = true;
    else if (inObx && /^ {4}\d/.test(line)) cur.obx.push(line);
    else inObx = false;
  }
  return out;
}

// The rendering of pcd_ground_truth.py (coded(), short(), the row format), applied to our values.
const pad = (s: string, n: number): string => s.padEnd(n);
function codedText(main: CodedElement | undefined, alt?: CodedElement): string {
  if (!main) return '';
  const join = (c: CodedElement): string => {
    const parts = [c.code, c.text, c.system];
    while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
    return parts.join('^');
  };
  const a = alt ? join(alt) : '';
  return join(main) + (a.replace(/\^/g, '') !== '' ? ` || ${a}` : '');
}
function short(v: string): string {
  return v.length <= 60 ? v : `${v.slice(0, 60)}... (${v.length} chars, ${v.split('^').length} components)`;
}
function row(i: number, o: PcdObservation): string {
  return `    ${pad(String(i), 4)}  ${pad(o.setId, 4)} ${pad(o.valueType || '-', 5)} ${pad(codedText(o.identifier, o.alternate), 48)} ${pad(o.containment.raw || '-', 18)} ` +
    `${short(o.rawValue) || '(empty)'} | ${codedText(o.units?.coded) || '(empty)'} | ${o.status || '-'} | ${o.equipmentRaw || '-'}`;
}

const truth = groundTruth();
const load = (rel: string) => parseHl7(readFileSync(join(DIR, rel), 'latin1'));

describe('PCD messages vs GROUND_TRUTH.txt', () => {
  it('covers all 14 files', () => expect(truth.size).toBe(14));

  for (const [rel, t] of truth) {
    it(`${rel}: header, segments and every OBX row`, () => {
      const msg = load(rel);
      const h = msg.segments[0]!;
      expect([1, 2, 3].map((c) => value(h, 9, c)).join('^').replace(/\^+$/, '')).toBe(t.msh9);
      expect(value(h, 10)).toBe(t.controlId);
      expect(msg.segments.map((s) => s.name)).toEqual(t.segments);
      const trigger = value(h, 9, 2);
      if (value(h, 9, 1) !== 'ORU' || (trigger !== 'R01' && trigger !== 'R40')) {
        expect(() => extractPcd(msg)).toThrow(expect.objectContaining({ code: 'TM_ERR_HL7_PCD_UNSUPPORTED' }));
        return;
      }
      const pcd = extractPcd(msg);
      expect(pcd.rejected).toEqual([]);
      const rows = pcd.groups.flatMap((g) => g.observations).map((o, i) => row(i + 1, o));
      expect(rows).toEqual(t.obx);
    });
  }
});

const obs = (m: PcdMessage, code: number) => m.groups.flatMap((g) => g.observations).filter((o) => o.mdcCode === code);
const num = (m: PcdMessage, code: number) => obs(m, code).map((o) => o.value);

describe('PCD-01 values, units, status, equipment', () => {
  it('E.1.2 ACME gateway: NIBP 111/60 (80) mm[Hg] and pulse 63 in UCUM, status R', () => {
    const m = extractPcd(load('ihe-pcd-tf-vol2-rev9/E.1.2_pcd01_episodic_nibp_acme_gateway.hl7'));
    expect([150021, 150022, 150023, 149546].map((c) => num(m, c))).toEqual([111, 60, 80, 63].map((value) => [{ kind: 'number', value }]));
    expect(obs(m, 150021)[0]!.units).toMatchObject({ ucum: 'mm[Hg]' });
    expect(obs(m, 149546)[0]!.units).toMatchObject({ ucum: '{beat}/min' });
    expect(obs(m, 150021)[0]!.containment.path).toEqual([1, 16, 1, 1]);
  });

  it('E.1.1 Philips: every row has OBX-11 X ("results cannot be obtained"), so no number is taken', () => {
    const m = extractPcd(load('ihe-pcd-tf-vol2-rev9/E.1.1_pcd01_physiological_monitor_philips.hl7'));
    expect(num(m, 150021)).toEqual([{ kind: 'unavailable', reason: 'status-X', raw: '117' }]);
    expect(num(m, 147842)).toEqual([{ kind: 'unavailable', reason: 'status-X', raw: '80' }]);
    expect(obs(m, 150456)[0]!.units).toMatchObject({ mdc: 262688 });
    // OBX-14 "20150122115000" has no offset: read as UTC and flagged
    expect(obs(m, 150021)[0]!.observedAt).toEqual({ ms: Date.UTC(2015, 0, 22, 11, 50), hasOffset: false });
  });

  it('Continua BP (hapi): 120/80 (100) mmHg, device EUI-64 from OBX-18, time from OBR-7 then MSH-7', () => {
    const m = extractPcd(load('hapi-hl7v2/pcd01_continua_bp_withdrawn_pid13.hl7'));
    expect([150021, 150022, 150023].map((c) => num(m, c))).toEqual([120, 80, 100].map((value) => [{ kind: 'number', value }]));
    expect(obs(m, 528391)[0]!.eui64).toBe('0123456789ABCDEF');
    const g = m.groups[0]!;
    expect(observationTime(obs(m, 150021)[0]!, g, m)?.ms).toBe(g.observedAt?.ms ?? m.sentAt?.ms);
  });

  it('pulse-oximetry panel: LOINC 8889-8 primary, MDC 149530 taken from the alternate identifier', () => {
    const m = extractPcd(load('sll-mdilab-t5-doc/pcd01_pulse_oximetry_panel_nist.hl7'));
    const [o] = obs(m, 149530);
    expect(o).toMatchObject({ refid: 'MDC_PULS_OXIM_PULS_RATE', identifier: { code: '8889-8', system: 'LN' }, value: { kind: 'number', value: 55 }, eui64: '0123456789ABCDEF' });
  });

  it('waveform rows: NA arrays and NR ranges as numbers; unit without a coding system still MDC', () => {
    const m = extractPcd(load('sll-mdilab-t5-doc/pcd01_waveform_ecg_spo2.hl7'));
    expect(obs(m, 131329)[0]!.value).toEqual({ kind: 'numbers', values: [-0.53714565, -0.54203324, -0.53128055] });
    const rate = m.groups[0]!.observations.find((o) => o.refid === 'MDC_ATTR_SAMP_RATE')!;
    expect(rate.units).toMatchObject({ mdc: 264608 });
    expect(rate.value).toEqual({ kind: 'number', value: 150 });
  });
});

describe('PCD-04 alarms', () => {
  const alarm = (rel: string) => readAlarm(extractPcd(load(rel)).groups[0]!);

  it('Draeger technical alarm: CO2 sensor unplugged, start, active, PL, SP, source 42', () => {
    expect(alarm('draeger-ihe-pcd-acm/PCD04_alarm.txt')).toMatchObject({
      eventCode: 196916, eventRefid: 'MDC_EVT_SENSOR_DISCONN', eventText: 'CO2 Sensor unplugged',
      phase: 'start', state: 'active', inactivationState: 'enabled', priority: 'PL', type: 'SP', source: '42', containment: '1.1.1.1',
    });
  });

  it('B.Braun occlusion: event from the CWE value of MDC_EVT_ALARM, type ST from OBX-8, start then end', () => {
    const start = alarm('ihe-pcd-tf-vol2-rev9/E.3.2_pcd04_bbraun_occlusion_alarm_start.hl7');
    expect(start).toMatchObject({ eventCode: 196940, eventRefid: 'MDC_EVT_FLUID_LINE_OCCL', phase: 'start', state: 'active', type: 'ST', eui64: '0012210000000000' });
    const end = alarm('ihe-pcd-tf-vol2-rev9/E.3.2_pcd04_bbraun_occlusion_alarm_end.hl7');
    expect(end).toMatchObject({ eventCode: 196940, phase: 'end', state: 'inactive' });
  });
});

describe('sentinels and no-result statuses are "not available", never numbers', () => {
  const one = (obx5: string, status = 'F', type = 'NM') =>
    extractPcd(parseHl7(`MSH|^~\\&|M|F|||20260101000000+0000||ORU^R01^ORU_R01|1|P|2.6\rOBR|1\rOBX|1|${type}|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|${obx5}|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||${status}`)).groups[0]!.observations[0]!.value;

  it.each(['-100', '-999', '8388607', '-8388608', '8388606', '-8388606', 'NaN', 'INF'])('%s', (v) => {
    expect(one(v)).toEqual({ kind: 'unavailable', reason: 'sentinel', raw: v });
  });
  it.each(['X', 'N', 'D', 'W'])('status %s', (s) => expect(one('72', s)).toEqual({ kind: 'unavailable', reason: `status-${s}`, raw: '72' }));
  it('a non-number in an NM row, and a sentinel inside an NA array', () => {
    expect(one('abc')).toEqual({ kind: 'unavailable', reason: 'not-a-number', raw: 'abc' });
    expect(one('1^-999^3', 'F', 'NA')).toEqual({ kind: 'unavailable', reason: 'sentinel', raw: '1^-999^3' });
  });
  it('real values pass: 72, -0.5, 1e2, status R/F/P', () => {
    expect(one('72', 'R')).toEqual({ kind: 'number', value: 72 });
    expect(one('-0.5', 'P')).toEqual({ kind: 'number', value: -0.5 });
    expect(one('1e2')).toEqual({ kind: 'number', value: 100 });
  });
  it('OBX without an OBX-3 code is skipped and reported; other rows are kept', () => {
    const m = extractPcd(parseHl7('MSH|^~\\&|M|F|||20260101||ORU^R01|1|P|2.6\rOBR|1\rOBX|1|NM||1|5\rOBX|2|NM|150456^X^MDC|1|97||||||F'));
    expect(m.rejected).toEqual([{ code: 'TM_ERR_HL7_PCD_BAD_OBX', setId: '1', reason: 'OBX-3 has no code' }]);
    expect(m.groups[0]!.observations.map((o) => o.mdcCode)).toEqual([150456]);
  });
});
