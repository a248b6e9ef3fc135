import { describe, expect, it } from 'vitest';
import { GATEWAY_V8_FLAGS, gatewayV8Flags } from './v8-flags.js';

describe('gatewayV8Flags', () => {
  it('sets every gateway flag when the user set none of their families', () => {
    expect(gatewayV8Flags(['--import', 'tsx'], '--max-old-space-size=512')).toEqual([...GATEWAY_V8_FLAGS]);
  });

  it('leaves a family to the user who set a flag of it, on the command line or in NODE_OPTIONS, with - or _', () => {
    expect(gatewayV8Flags(['--max-semi-space-size=8'], undefined)).toEqual(['--heap-growing-percent=100']);
    expect(gatewayV8Flags([], '--heap_growing_percent=50')).toEqual(['--semi-space-growth-factor=1']);
    expect(gatewayV8Flags(['--min-semi-space-size=2'], '--heap-growing-percent=30')).toEqual([]);
  });
});
