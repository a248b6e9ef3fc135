import type { GatewayRegistry } from '../uplink/registry.js';
import type { ImageAssembler } from './image-assembler.js';

/**
 * Feeds the gateways' `ultrasound` envelopes (realtime VIDEO, handed to the registry's frame
 * listeners by the uplink session after authentication and the gateway-id check) to the
 * assembler. Returns the unsubscribe function (call it in the hub's onClose).
 */
export function attachImageAssembler(registry: Pick<GatewayRegistry, 'onFrame'>, assembler: ImageAssembler): () => void {
  return registry.onFrame((gatewayId, env) => {
    if (env.payload === 'ultrasound') assembler.ingest(gatewayId, env);
  });
}
