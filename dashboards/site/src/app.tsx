import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { Badge, Figure, LiveIndicator, LiveLostBanner, Panel } from '../../shared/components.js';
import { fetchJson } from '../../shared/errors.js';
import { formatClock, formatCount, formatMs, formatSignedMs } from '../../shared/format.js';
import { asGatewayStatus, parseSiteMessage } from '../../shared/live-messages.js';
import type { GatewayStatus } from '../../shared/types.js';
import { useLiveSocket } from '../../shared/use-live-socket.js';
import { ClassTable } from './class-table.js';
import { DeviceList } from './device-list.js';
import { linkView } from './link-view.js';
import { asGatewayEcgView, parseEcgLive } from '../../shared/ecg/views.js';
import type { GatewayEcgView } from '../../shared/types.js';
import { EcgSection } from './ecg/ecg-section.js';
import { EMPTY_RECORDS, upsertSiteRecord, type SiteRecords } from './ecg/site-ecg-state.js';
import { EMPTY_AMBULANCE, applyVitals, parseVitalsMessage, type AmbulanceState } from './ambulance/ambulance-state.js';
import { AmbulanceView, type WaveEntry } from './ambulance/ambulance-view.js';
import { WaveBuffer } from './ambulance/wave-buffer.js';
import { listArms } from './arm/arm-api.js';
import { ArmPanel } from './arm/arm-panel.js';
import { parseArmMessage, type ArmView } from './arm/arm-state.js';

function liveUrl(): string {
  const u = new URL('live', location.href);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
}

/** The clinic/ambulance page: is the hospital link up, what is queued, which devices are on. */
export function App() {
  const [status, setStatus] = useState<GatewayStatus | null>(null);
  const [ecg, setEcg] = useState<SiteRecords>(EMPTY_RECORDS);
  const onRecord = useCallback((r: GatewayEcgView) => setEcg((s) => upsertSiteRecord(s, r)), []);
  const [amb, setAmb] = useState<AmbulanceState>(EMPTY_AMBULANCE);
  // Waveform samples go straight into jitter buffers (no re-render per chunk); the list re-renders only when a new channel appears.
  const waveMap = useRef(new Map<string, WaveEntry>());
  const [waves, setWaves] = useState<readonly WaveEntry[]>([]);
  const [arms, setArms] = useState<Readonly<Record<string, ArmView>>>({});
  const onArm = useCallback((a: ArmView) => setArms((cur) => ({ ...cur, [a.id]: a })), []);

  useEffect(() => {
    const ctl = new AbortController();
    fetchJson(new URL('api/status', location.href).toString(), { signal: ctl.signal })
      .then((body) => {
        const s = asGatewayStatus(body);
        // Only paint from REST if the socket has not already delivered something newer.
        if (s !== null) setStatus((cur) => cur ?? s);
      })
      .catch(() => undefined); // The live socket will fill the page; its banner reports trouble.
    listArms(ctl.signal).then((list) => { for (const a of list) onArm(a); }).catch(() => undefined);
    return () => ctl.abort();
  }, [onArm]);

  const onMessage = useCallback((text: string) => {
    const arm = parseArmMessage(text);
    if (arm !== null) {
      onArm(arm);
      return;
    }
    const vm = parseVitalsMessage(text);
    if (vm !== null) {
      if (vm.type !== 'waveform') {
        setAmb((cur) => applyVitals(cur, vm));
        return;
      }
      const key = `${vm.deviceId}/${vm.stream}`;
      let entry = waveMap.current.get(key);
      if (entry === undefined || entry.buffer.rateHz !== vm.sampleRateHz) {
        entry = { key, buffer: new WaveBuffer(vm.sampleRateHz), code: vm.code, channel: vm.channel, unit: vm.unit };
        waveMap.current.set(key, entry);
        setWaves([...waveMap.current.values()]);
      }
      const scale = Number.isFinite(vm.scale) && vm.scale !== 0 ? vm.scale : 1;
      entry.buffer.push(vm.firstSampleIndex, vm.samples.map((v) => v * scale), performance.now());
      return;
    }
    const s = parseSiteMessage(text);
    if (s !== null) {
      setStatus(s);
      return;
    }
    const rec = parseEcgLive(text, asGatewayEcgView);
    if (rec !== null) setEcg((cur) => upsertSiteRecord(cur, rec));
  }, [onArm]);
  const live = useLiveSocket(liveUrl(), onMessage);

  const view = linkView(status?.link.state ?? 'idle');
  // The ambulance view on an ambulance gateway, or wherever a vitals device reports.
  const showAmbulance = status?.siteKind === 'ambulance' || Object.keys(amb.devices).length > 0 || waves.length > 0;
  return (
    <>
      <header class="topbar no-print">
        <h1>
          <span data-testid="site-name">{status?.siteName ?? 'Telemed gateway'}</span>
        </h1>
        <span class="who">
          <span data-testid="site-kind">{status === null ? '' : status.siteKind === 'ambulance' ? 'Ambulance' : 'Clinic'}</span>
          {status === null ? '' : ' · gateway '}
          <span data-testid="gateway-id">{status?.gatewayId ?? ''}</span>
        </span>
        <LiveIndicator status={live} />
      </header>
      <main class="page stack">
        <div class="no-print">
          <LiveLostBanner status={live} />
        </div>
        {showAmbulance ? <AmbulanceView state={amb} waves={waves} /> : null}
        {Object.values(arms).map((a) => <ArmPanel key={a.id} arm={a} onUpdate={onArm} />)}
        <section class={`link-hero link-${view.tone} no-print`} aria-labelledby="link-title" data-testid="link-panel">
          <h2 id="link-title">Hospital link</h2>
          {status === null ? (
            <p class="muted">Waiting for the gateway…</p>
          ) : (
            <>
              <Badge tone={view.tone} text={status.link.state} testId="link-state" large context="Hospital link" />
              <p class="link-meaning" data-testid="link-meaning">
                {view.meaning}
              </p>
              <dl class="figures">
                <Figure label="Round trip" value={formatMs(status.link.rttMs)} unit="ms" testId="rtt" />
                <Figure label="Clock offset" value={formatSignedMs(status.link.clockOffsetMs)} unit="ms" testId="clock-offset" />
                <Figure label="Reconnects" value={formatCount(status.link.reconnects)} testId="reconnects" />
                <Figure label="Connected at" value={formatClock(status.link.connectedAt)} testId="connected-at" />
              </dl>
            </>
          )}
        </section>
        {status?.siteKind === 'ambulance' ? null : <EcgSection records={ecg} onRecord={onRecord} siteName={status?.siteName ?? ''} />}
        {status === null ? null : (
          <div class="site-grid no-print">
            <Panel title="Uplink traffic" titleId="traffic-title" testId="traffic-panel">
              <ClassTable classes={status.classes} />
            </Panel>
            <Panel title="Devices" titleId="devices-title" testId="devices-panel">
              <DeviceList devices={status.devices} />
            </Panel>
          </div>
        )}
      </main>
    </>
  );
}
