/** Session states of the ECG cart driver. */
export type CartState = 'closed' | 'opening' | 'identifying' | 'streaming' | 'recording' | 'reconnecting';

/** Allowed transitions; anything else is a bug and throws. */
const NEXT: Readonly<Record<CartState, readonly CartState[]>> = {
  closed: ['opening'],
  opening: ['identifying', 'reconnecting', 'closed'],
  identifying: ['streaming', 'reconnecting', 'closed'],
  streaming: ['recording', 'reconnecting', 'closed'],
  recording: ['streaming', 'reconnecting', 'closed'],
  reconnecting: ['opening', 'closed'],
};

export function canTransition(from: CartState, to: CartState): boolean {
  return NEXT[from].includes(to);
}

/** What the device manager sees (devices/device.ts DeviceState). */
export function deviceStateOf(s: CartState): 'stopped' | 'starting' | 'running' | 'faulted' {
  switch (s) {
    case 'closed': return 'stopped';
    case 'opening': case 'identifying': return 'starting';
    case 'streaming': case 'recording': return 'running';
    case 'reconnecting': return 'faulted';
  }
}
