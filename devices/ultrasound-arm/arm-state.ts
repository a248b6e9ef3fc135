/** Session states of the arm driver. */
export type ArmLinkState = 'closed' | 'opening' | 'identifying' | 'streaming' | 'reconnecting';

const NEXT: Readonly<Record<ArmLinkState, readonly ArmLinkState[]>> = {
  closed: ['opening'],
  opening: ['identifying', 'reconnecting', 'closed'],
  identifying: ['streaming', 'reconnecting', 'closed'],
  streaming: ['reconnecting', 'closed'],
  reconnecting: ['opening', 'closed'],
};

export function canTransition(from: ArmLinkState, to: ArmLinkState): boolean {
  return NEXT[from].includes(to);
}
