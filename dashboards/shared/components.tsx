import type { ComponentChildren } from 'preact';
import type { LiveStatus } from './reconnecting-socket.js';

/** Tone of a status badge; always shown with text and a symbol, never colour alone. */
export type Tone = 'ok' | 'warn' | 'bad' | 'idle';

const SYMBOL: Record<Tone, string> = { ok: '●', warn: '◐', bad: '✕', idle: '○' };

/** `context` is read by screen readers before the text (e.g. "Link to clinic-1"), never shown. */
export function Badge(props: { tone: Tone; text: string; testId?: string; large?: boolean; context?: string }) {
  return (
    <span
      class={`badge badge-${props.tone}${props.large === true ? ' badge-large' : ''}`}
    >
      {props.context !== undefined ? <span class="sr-only">{props.context}: </span> : null}
      <span aria-hidden="true" class="badge-symbol">
        {SYMBOL[props.tone]}
      </span>
      <span class="badge-text" data-testid={props.testId} data-tone={props.tone}>
        {props.text}
      </span>
    </span>
  );
}

/** One labelled figure: a term and its value, as a description-list pair. */
export function Figure(props: { label: string; value: string; unit?: string; testId: string }) {
  return (
    <div class="figure">
      <dt>{props.label}</dt>
      <dd>
        <span data-testid={props.testId}>{props.value}</span>
        {props.unit !== undefined && props.value !== '—' ? <span class="unit"> {props.unit}</span> : null}
      </dd>
    </div>
  );
}

/** Live-socket pill for the header plus a clear banner once an open connection is lost. */
export function LiveIndicator(props: { status: LiveStatus }) {
  const { state, everOpened, attempt } = props.status;
  const tone: Tone = state === 'open' ? 'ok' : state === 'connecting' && !everOpened ? 'warn' : state === 'idle' ? 'idle' : 'bad';
  const text =
    state === 'open' ? 'live' : state === 'connecting' && !everOpened ? 'connecting…' : state === 'stopped' ? 'live stopped' : 'live connection lost';
  return <Badge tone={tone} text={text} testId="live-status" context={`Live updates${attempt > 0 ? ` (retry ${attempt})` : ''}`} />;
}

export function LiveLostBanner(props: { status: LiveStatus }) {
  const { state, everOpened, attempt } = props.status;
  const lost = (state === 'backoff' || state === 'connecting') && (everOpened || attempt > 0);
  if (!lost) return null;
  return (
    <div class="banner banner-bad" role="alert" data-testid="live-lost">
      <strong>Live connection lost.</strong> Figures below may be out of date. Reconnecting
      {attempt > 0 ? ` (attempt ${attempt})` : ''}…
    </div>
  );
}

export function Panel(props: { title: string; children: ComponentChildren; testId?: string; titleId?: string }) {
  return (
    <section class="panel" data-testid={props.testId} aria-labelledby={props.titleId}>
      <h2 id={props.titleId}>{props.title}</h2>
      {props.children}
    </section>
  );
}
