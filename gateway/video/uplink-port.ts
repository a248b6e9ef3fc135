import type { Uplink } from '../uplink/uplink.js';
import type { VideoUplinkPort } from './video-sender.js';

/**
 * The real uplink as the video sender sees it. The rate is the pacer's: the lower of the
 * bottleneck estimate (windowed max of the hub-measured delivery rate) and the pacing rate (lower
 * in drain and backoff, when the link has just been found slower); undefined until the first
 * estimate and in the unpaced modes (fifo, strict), where the sender keeps its start rung.
 */
export function uplinkVideoPort(uplink: Uplink): VideoUplinkPort {
  return {
    publish: (input) => { uplink.publish(input); },
    rateBps: () => {
      if (!uplink.flow.paced) return undefined;
      const p = uplink.flow.pacer;
      const btl = p.estimator.btlBwBpms * 8000;
      if (!(btl > 0)) return undefined;
      return Math.min(btl, p.pacingRateBps);
    },
    videoQueued: () => uplink.scheduler.stats().video.queued,
    linkUp: () => uplink.session.state === 'ready',
  };
}
