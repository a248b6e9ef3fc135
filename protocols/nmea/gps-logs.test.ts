// The eight real receiver logs in ../shared/data/nmea-gps-logs through our framer (fed in 7-byte
// chunks, as a serial port delivers them) and parser, against GROUND_TRUTH.txt (nmea_stats.py):
// sentence and checksum counts, GGA/RMC/VTG counts, measured fixes, first/last fix per kind and
// the largest RMC speed over ground.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedDataPath } from '../../test/helpers/shared-data.js';
import { NmeaError } from './errors.js';
import { NmeaLineFramer } from './framer.js';
import { type LatLon, decodeGga, decodeRmc, decodeVtg, parseSentence } from './sentence.js';

const DIR = sharedDataPath('nmea-gps-logs');
const LOGS = ['bt451.log', 'nl2008u.log', 'humminbird-M37.log', 'haicom-305N.log', 'garmin15x.log', 'GPSmap-76S.log', 'neo-m8n.log', 'sl869.log'];

interface KindTruth { fixes: number; first?: { address: string; lat: string; lon: string }; last?: { address: string; lat: string; lon: string } }
interface Truth {
  sentences: number; ok: number; bad: number; missing: number;
  gga: number; rmc: number; vtg: number; fixes: number;
  kinds: Record<string, KindTruth>;
  maxRmc: string;
}

function truth(): Map<string, Truth> {
  const text = readFileSync(`${DIR}/GROUND_TRUTH.txt`, 'utf8');
  const out = new Map<string, Truth>();
  for (const log of LOGS) {
    const head = new RegExp(`^  ${log.replace('.', '\\.')}\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)`, 'm').exec(text)!;
    const section = text.slice(text.indexOf(`\n${log}\n`) + 1).split(/\n\n/)[0]!;
    const sent = /sentences (\d+): checksum ok (\d+), bad (\d+), missing (\d+)/.exec(section)!;
    const kinds: Record<string, KindTruth> = {};
    for (const kind of ['GGA', 'RMC']) {
      const none = new RegExp(`^\\s+${kind}: no fix`, 'm').test(section);
      if (none) {
        kinds[kind] = { fixes: 0 };
        continue;
      }
      const f = new RegExp(`^\\s+${kind}: (\\d+) fixes; first (\\S+) line \\d+ .*lat (\\S+)  lon (\\S+)\\n\\s+last  (\\S+) line \\d+ .*lat (\\S+)  lon (\\S+)$`, 'm').exec(section)!;
      kinds[kind] = { fixes: Number(f[1]), first: { address: f[2]!, lat: f[3]!, lon: f[4]! }, last: { address: f[5]!, lat: f[6]!, lon: f[7]! } };
    }
    out.set(log, {
      sentences: Number(sent[1]), ok: Number(sent[2]), bad: Number(sent[3]), missing: Number(sent[4]),
      gga: Number(head[4]), rmc: Number(head[5]), vtg: Number(head[6]), fixes: Number(head[7]),
      kinds,
      maxRmc: /max SOG: RMC ([^;\s]+)/.exec(section)![1]!,
    });
  }
  return out;
}

function run(bytes: Uint8Array) {
  const framer = new NmeaLineFramer();
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 7) {
    for (const ev of framer.push(bytes.subarray(i, i + 7))) {
      if (ev.kind === 'line') lines.push(ev.text);
      else throw new Error(`framer error ${ev.code} in a clean log`);
    }
  }
  const r = { sentences: 0, ok: 0, bad: 0, missing: 0, comments: 0, gga: 0, rmc: 0, vtg: 0, fixes: 0, maxRmc: undefined as number | undefined, kinds: {} as Record<string, { fixes: number; first?: [string, LatLon]; last?: [string, LatLon] }> };
  const fix = (kind: string, address: string, p: LatLon | undefined) => {
    if (!p) return;
    r.fixes++;
    const k = (r.kinds[kind] ??= { fixes: 0 });
    k.fixes++;
    k.first ??= [address, p];
    k.last = [address, p];
  };
  for (const line of lines) {
    if (line.startsWith('#')) {
      r.comments++;
      continue;
    }
    r.sentences++;
    const type = line.slice(1).split(/[,*]/)[0]!;
    const kind = type.length === 5 ? type.slice(2) : type;
    if (kind === 'GGA') r.gga++;
    if (kind === 'RMC') r.rmc++;
    if (kind === 'VTG') r.vtg++;
    let s;
    try {
      s = parseSentence(line);
    } catch (err) {
      if (!(err instanceof NmeaError)) throw err;
      if (err.code === 'TM_ERR_NMEA_BAD_CHECKSUM') r.bad++;
      else if (err.code === 'TM_ERR_NMEA_NO_CHECKSUM') r.missing++;
      else throw err;
      continue;
    }
    r.ok++;
    if (s.type === 'GGA') fix('GGA', s.address, decodeGga(s).position);
    if (s.type === 'RMC') {
      const rmc = decodeRmc(s);
      fix('RMC', s.address, rmc.position);
      if (rmc.speedKnots !== undefined) r.maxRmc = Math.max(r.maxRmc ?? -1, rmc.speedKnots);
    }
    if (s.type === 'VTG') decodeVtg(s); // must decode without a BAD_FIELD
  }
  return r;
}

const T = truth();

describe('NMEA logs vs GROUND_TRUTH.txt', () => {
  for (const log of LOGS) {
    it(log, () => {
      const t = T.get(log)!;
      const r = run(readFileSync(`${DIR}/${log}`));
      expect({ sentences: r.sentences, ok: r.ok, bad: r.bad, missing: r.missing, gga: r.gga, rmc: r.rmc, vtg: r.vtg, fixes: r.fixes })
        .toEqual({ sentences: t.sentences, ok: t.ok, bad: t.bad, missing: t.missing, gga: t.gga, rmc: t.rmc, vtg: t.vtg, fixes: t.fixes });
      for (const kind of ['GGA', 'RMC']) {
        const mine = r.kinds[kind];
        const want = t.kinds[kind]!;
        expect(mine?.fixes ?? 0, kind).toBe(want.fixes);
        if (!want.first) continue;
        const show = (x: [string, LatLon]) => ({ address: x[0], lat: x[1].lat.toFixed(6), lon: x[1].lon.toFixed(6) });
        expect(show(mine!.first!), `${kind} first`).toEqual(want.first);
        expect(show(mine!.last!), `${kind} last`).toEqual(want.last);
      }
      expect(r.maxRmc === undefined ? 'none' : r.maxRmc.toFixed(3)).toBe(t.maxRmc);
    });
  }
});
