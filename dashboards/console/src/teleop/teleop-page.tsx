import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks';
import { Badge, Panel } from '../../../shared/components.js';
import { DashboardError } from '../../../shared/errors.js';
import type { GatewayView } from '../../../shared/types.js';
import type { Session } from '../api.js';
import { ImageView, type ImageSink } from './image-view.js';
import { PoseView } from './pose-view.js';
import { fetchHandoverCandidates, fetchKnownArms, handOverLease, releaseLease, renewLease, requestLease, teleopUrlFor } from './teleop-api.js';
import {
  axisForKey, cannotDrive, CONTROL_PERIOD_MS, ControlLoop, EMPTY_TELEOP, gamepadStop, gamepadTwist, isZeroTwist, parseServerMessage,
  reduceTeleop, RENEW_BEFORE_MS, rttTooLong, RTT_WARN_MS, safetyWords, twistForAxes, type Axis, type Twist,
} from './teleop-state.js';
import { useTeleopSocket } from './use-teleop-socket.js';

const fmt = (v: number | undefined, digits = 1): string => (v === undefined ? '—' : v.toFixed(digits));
const errText = (err: unknown): { code: string; message: string } =>
  err instanceof DashboardError ? { code: err.code, message: err.message } : { code: 'TM_ERR_DASHBOARD_NETWORK', message: 'Request failed' };
const PAD_AXES: readonly [Axis, string][] = [['y+', '▲'], ['x-', '◀'], ['x+', '▶'], ['y-', '▼'], ['z-', 'Press (W)'], ['z+', 'Lift (S)']];

/** The ultrasound arm's remote controls (#/teleop): lease, live pose and force, keyboard/mouse/gamepad jog, STOP. */
export function TeleopPage(props: { session: Session; gateways: GatewayView[]; onExpired: () => void }) {
  const why = cannotDrive(props.session.user.role);
  if (why !== null) {
    return (
      <Panel title="Remote ultrasound" testId="teleop-forbidden">
        <p>{why}</p>
      </Panel>
    );
  }
  return <TeleopControls {...props} />;
}

function TeleopControls(props: { session: Session; gateways: GatewayView[]; onExpired: () => void }) {
  const { session, onExpired } = props;
  const me = session.user.username;
  const [s, dispatch] = useReducer(reduceTeleop, EMPTY_TELEOP);
  const clinics = props.gateways.filter((g) => g.siteKind !== 'ambulance');
  const [gatewayId, setGatewayId] = useState('');
  const [armId, setArmId] = useState('arm-1');
  const [capN, setCapN] = useState('10');
  const [known, setKnown] = useState<{ gatewayId: string; armId: string }[]>([]);
  const [busy, setBusy] = useState(false);
  const [pad, setPad] = useState<string | null>(null);
  const [handTo, setHandTo] = useState('');
  const [candidates, setCandidates] = useState<string[]>([]);
  useEffect(() => {
    if (gatewayId === '' && clinics[0] !== undefined) setGatewayId(clinics[0].id);
  }, [gatewayId, clinics]);
  useEffect(() => {
    const ctl = new AbortController();
    fetchKnownArms(session.token, ctl.signal).then(setKnown).catch(() => undefined);
    return () => ctl.abort();
  }, [session.token]);

  const onMessage = useCallback((text: string) => {
    const msg = parseServerMessage(text);
    if (msg !== null) dispatch({ type: 'message', msg, me, nowMs: Date.now() });
  }, [me]);
  const url = useMemo(() => () => teleopUrlFor(session.token), [session.token]);
  const imageSink = useMemo<ImageSink>(() => ({ current: null }), []);
  const onBinary = useCallback((buf: ArrayBuffer) => imageSink.current?.(buf), [imageSink]);
  const sock = useTeleopSocket(url, onMessage, onExpired, onBinary);

  // Held controls: keys and on-screen buttons (axes), polled by the control loop with the gamepad.
  const held = useRef(new Set<Axis>());
  const seq = useRef(0);
  const lease = s.lease;
  const command = useCallback((type: string, extra: object = {}): void => {
    if (lease === null) return;
    seq.current += 1;
    sock.send({ type, leaseId: lease.id, seq: seq.current, sentAtMs: Date.now(), ...extra });
  }, [lease, sock]);
  // The timers below read the newest `command` through this ref, so a re-render (telemetry comes
  // 25 times a second) never restarts them: a restarted 40 ms interval may never fire at all.
  const commandRef = useRef(command);
  commandRef.current = command;
  const loop = useRef(new ControlLoop());

  useEffect(() => {
    const editable = (t: EventTarget | null): boolean => t instanceof HTMLElement && /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName);
    const down = (e: KeyboardEvent): void => {
      if (editable(e.target)) return;
      if (e.key === ' ' || e.key === 'Escape') {
        e.preventDefault();
        commandRef.current('stop');
        loop.current.stopped();
        return;
      }
      const a = axisForKey(e.key);
      if (a === null) return;
      e.preventDefault();
      held.current.add(a);
    };
    const up = (e: KeyboardEvent): void => {
      const a = axisForKey(e.key);
      if (a !== null) held.current.delete(a);
    };
    // A key released while the tab is not focused never sends keyup: let go of everything.
    const blur = (): void => held.current.clear();
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    window.addEventListener('blur', blur);
    document.addEventListener('visibilitychange', blur);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
      window.removeEventListener('blur', blur);
      document.removeEventListener('visibilitychange', blur);
    };
  }, []);

  // The control loop while the lease is held: jog while something is held, one hold on release,
  // heartbeats otherwise (the gateway holds the arm after 100 ms without either), a ping each second.
  const leaseId = lease?.id ?? null;
  const { send } = sock;
  const open = sock.state === 'open';
  useEffect(() => {
    if (leaseId === null || !open) return undefined;
    const command = (type: string, extra: object = {}): void => commandRef.current(type, extra);
    let tick = 0;
    let padId: string | null = null;
    const timer = setInterval(() => {
      tick += 1;
      let twist: Twist = twistForAxes(held.current);
      const gp = typeof navigator.getGamepads === 'function' ? [...navigator.getGamepads()].find((g) => g !== null) ?? null : null;
      if ((gp?.id ?? null) !== padId) {
        padId = gp?.id ?? null;
        setPad(padId);
      }
      if (gp) {
        if (gamepadStop(gp.buttons.map((b) => b.pressed))) {
          command('stop');
          loop.current.stopped();
          return;
        }
        const t = gamepadTwist(gp.axes);
        if (!isZeroTwist(t)) twist = { vx: twist.vx + t.vx, vy: twist.vy + t.vy, vz: twist.vz + t.vz, wz: twist.wz + t.wz };
      }
      const what = loop.current.next(twist);
      command(what, what === 'jog' ? { twist: { vx: twist.vx, vy: twist.vy, vz: twist.vz, wz: twist.wz } } : {});
      if (tick % 25 === 0) send({ type: 'ping', sentAtMs: Date.now() });
    }, CONTROL_PERIOD_MS);
    return () => clearInterval(timer);
  }, [leaseId, open, send]);

  // Renew a minute before expiry while held, so an exam is not cut by the lease's 10 minutes.
  useEffect(() => {
    if (lease === null) return undefined;
    const due = Date.parse(lease.expiresAt) - RENEW_BEFORE_MS - Date.now();
    if (!Number.isFinite(due)) return undefined;
    const timer = setTimeout(() => {
      renewLease(session.token, lease.id)
        .then((l) => dispatch({ type: 'renewed', lease: l }))
        .catch((err: unknown) => dispatch({ type: 'failed', ...errText(err) }));
    }, Math.max(0, due));
    return () => clearTimeout(timer);
  }, [lease, session.token]);

  // Whom the lease could go to (specialists of this clinic with the page open), looked up every 5 s while held.
  useEffect(() => {
    if (leaseId === null) { setCandidates([]); return undefined; }
    const ctl = new AbortController();
    const look = (): void => { fetchHandoverCandidates(session.token, leaseId, ctl.signal).then(setCandidates).catch(() => undefined); };
    look();
    const timer = setInterval(look, 5000);
    return () => { ctl.abort(); clearInterval(timer); };
  }, [leaseId, session.token]);

  const handOver = async (): Promise<void> => {
    const to = handTo.trim();
    if (lease === null || to === '') return;
    command('hold');
    setBusy(true);
    try {
      const next = await handOverLease(session.token, lease.id, to);
      loop.current.stopped();
      dispatch({ type: 'handed-over', to: next.holder });
      setHandTo('');
    } catch (err) {
      if (err instanceof DashboardError && err.status === 401) onExpired();
      else dispatch({ type: 'failed', ...errText(err) });
    } finally {
      setBusy(false);
    }
  };

  const take = async (): Promise<void> => {
    setBusy(true);
    try {
      const cap = Number(capN);
      dispatch({ type: 'leased', lease: await requestLease(session.token, gatewayId, armId.trim(), Number.isFinite(cap) && capN !== '' ? cap : undefined) });
    } catch (err) {
      if (err instanceof DashboardError && err.status === 401) onExpired();
      else dispatch({ type: 'failed', ...errText(err) });
    } finally {
      setBusy(false);
    }
  };
  const release = async (): Promise<void> => {
    if (lease === null) return;
    command('hold');
    setBusy(true);
    try {
      await releaseLease(session.token, lease.id);
      dispatch({ type: 'released' });
    } catch (err) {
      dispatch({ type: 'failed', ...errText(err) });
    } finally {
      setBusy(false);
    }
  };
  const press = (a: Axis) => () => held.current.add(a);
  const unpress = (a: Axis) => () => held.current.delete(a);

  const t = s.telemetry;
  const cap = t?.forceCapN ?? 0;
  const slow = rttTooLong(s.rttMs);
  return (
    <div class="teleop" data-testid="teleop-page">
      <Panel title="Arm and lease" testId="teleop-lease-panel">
        <div class="teleop-pick">
          <label>
            Clinic
            <select data-testid="teleop-gateway" value={lease?.gatewayId ?? gatewayId} disabled={lease !== null} onChange={(e) => setGatewayId(e.currentTarget.value)}>
              {clinics.map((g) => <option key={g.id} value={g.id}>{g.siteName ?? g.id}{g.connected ? '' : ' (offline)'}</option>)}
            </select>
          </label>
          <label>
            Arm
            <input data-testid="teleop-arm" list="teleop-arms" value={lease?.armId ?? armId} disabled={lease !== null} onInput={(e) => setArmId(e.currentTarget.value)} />
            <datalist id="teleop-arms">
              {known.filter((k) => k.gatewayId === gatewayId).map((k) => <option key={k.armId} value={k.armId} />)}
            </datalist>
          </label>
          <label>
            Exam force cap (N)
            <input data-testid="teleop-cap" type="number" min="0" max="40" step="1" value={capN} disabled={lease !== null} onInput={(e) => setCapN(e.currentTarget.value)} />
          </label>
          {lease === null ? (
            <button type="button" data-testid="teleop-take" disabled={busy || gatewayId === '' || armId.trim() === ''} onClick={() => void take()}>Take control</button>
          ) : (
            <button type="button" class="teleop-plain" data-testid="teleop-release" disabled={busy} onClick={() => void release()}>Release</button>
          )}
        </div>
        {lease !== null ? (
          <div class="teleop-pick" data-testid="teleop-handover-panel">
            <label>
              Hand over to
              <input data-testid="teleop-handover-to" list="teleop-candidates" placeholder="specialist's user name" value={handTo} onInput={(e) => setHandTo(e.currentTarget.value)} />
              <datalist id="teleop-candidates">{candidates.map((c) => <option key={c} value={c} />)}</datalist>
            </label>
            <button type="button" class="teleop-plain" data-testid="teleop-handover" disabled={busy || handTo.trim() === ''} onClick={() => void handOver()}>Hand over</button>
            <span class="muted">Online here: <span data-testid="teleop-candidates">{candidates.length === 0 ? 'nobody else' : candidates.join(', ')}</span></span>
          </div>
        ) : null}
        <p data-testid="teleop-lease">
          {lease !== null ? `You drive ${lease.armId} at ${lease.gatewayId} until ${new Date(lease.expiresAt).toLocaleTimeString()}${lease.previousLeaseId !== null ? ' (handed over to you)' : ''}` : s.ended !== null ? `Your lease ended (${s.ended}).` : 'You do not hold a lease.'}
          {t !== null && t.operatorId !== '' && t.operatorId !== me ? ` Driving now: ${t.operatorId}.` : ''}
        </p>
        <p class="muted">Socket: <span data-testid="teleop-socket">{sock.state}</span>{pad !== null ? ` · gamepad: ${pad}` : ''}</p>
        {s.error !== null ? <p class="form-error" role="alert" data-testid="teleop-error">{s.error.message} ({s.error.code})</p> : null}
      </Panel>
      <button type="button" class="teleop-stop" data-testid="teleop-stop" disabled={lease === null} onClick={() => { command('stop'); loop.current.stopped(); }}>STOP</button>
      <div class="teleop-grid">
        <Panel title="Probe pose (top view, depth)" testId="teleop-pose-panel">
          <PoseView pose={t?.pose ?? null} trail={s.trail} />
          <p class="teleop-pose" data-testid="teleop-pose">
            x <span data-testid="pose-x">{fmt(t?.pose.x)}</span> mm · y <span data-testid="pose-y">{fmt(t?.pose.y)}</span> mm · z <span data-testid="pose-z">{fmt(t?.pose.z)}</span> mm
          </p>
        </Panel>
        <Panel title="Ultrasound image" testId="teleop-image-panel">
          <ImageView sink={imageSink} />
        </Panel>
        <Panel title="Contact and safety" testId="teleop-safety-panel">
          <p>
            Force <strong data-testid="teleop-force">{fmt(t?.forceN)}</strong> N of cap <span data-testid="teleop-force-cap">{t === null ? '—' : fmt(cap)}</span> N
          </p>
          <meter class="teleop-force" min={0} max={cap > 0 ? cap : 40} low={cap > 0 ? cap * 0.6 : 24} high={cap > 0 ? cap * 0.85 : 34} optimum={0} value={t?.forceN ?? 0} aria-label="Contact force against the exam cap" />
          <p data-testid="teleop-safety">{safetyWords(t?.safetyState ?? '', t?.safetyReason ?? '')}</p>
          <p>
            Round trip <strong data-testid="teleop-rtt" data-warn={slow ? 'yes' : 'no'}>{s.rttMs === null ? '—' : `${Math.round(s.rttMs)} ms`}</strong>
            {s.hubRttMs !== null ? <span class="muted"> (hub {Math.round(s.hubRttMs)} ms)</span> : null}{' '}
            {slow ? <Badge tone="warn" text={`over ${RTT_WARN_MS} ms: control is not direct, move slowly`} testId="teleop-rtt-warning" /> : null}
          </p>
        </Panel>
        <Panel title="Controls" testId="teleop-controls">
          <p class="muted">Hold arrows to move over the body, W to press in, S to lift, Q/E to turn; Space or Esc stops. Releasing holds the arm. A gamepad's sticks work too (B stops).</p>
          <div class="teleop-jog">
            {PAD_AXES.map(([a, label]) => (
              <button key={a} type="button" class="teleop-plain" data-testid={`jog-${a}`} disabled={lease === null}
                onPointerDown={press(a)} onPointerUp={unpress(a)} onPointerLeave={unpress(a)} onPointerCancel={unpress(a)}>{label}</button>
            ))}
          </div>
        </Panel>
      </div>
    </div>
  );
}
