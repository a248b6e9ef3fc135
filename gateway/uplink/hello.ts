// What the gateway says about itself when a connection opens, and what it checks of the hub's
// answer (SESSION.md §1, §1a): the Hello's contents, and the streams the HelloAck shows the hub
// has lost. Pure: the session sends, logs and counts.
import { PROTOCOL_VERSION, telemed } from '../../protocols/index.js';
import type { DownlinkMarks } from './downlink-marks.js';

const SITE_KIND = { clinic: telemed.v1.SiteKind.SITE_KIND_CLINIC, ambulance: telemed.v1.SiteKind.SITE_KIND_AMBULANCE };

export interface HelloIdentity {
  readonly gatewayId: string;
  /** Never logged. */
  readonly credential: string;
  readonly siteKind: 'clinic' | 'ambulance';
  readonly siteName: string;
  readonly softwareVersion: string;
  /** Largest frame (and Batch) we take from the hub, bytes. */
  readonly maxFrameBytes: number;
}

/**
 * The Hello of a new connection, and the per-stream hub acks it states (kept by the session to
 * compare with the HelloAck).
 */
export function buildHello(id: HelloIdentity, marks: DownlinkMarks): { hello: telemed.v1.IHello; hubAcked: ReadonlyMap<string, number> } {
  const hubAcked = marks.hubAcked?.() ?? new Map<string, number>();
  return {
    hubAcked,
    hello: {
      protocolVersion: PROTOCOL_VERSION,
      gatewayId: id.gatewayId,
      credential: id.credential,
      softwareVersion: id.softwareVersion,
      siteKind: SITE_KIND[id.siteKind],
      siteName: id.siteName,
      // The hub may pack its frames to us into Batches up to our frame limit (SESSION.md §2a).
      maxBatchBytes: id.maxFrameBytes,
      // Ack-only messages outside the byte accounting, if the hub agrees (SESSION.md §2b).
      acksUncounted: true,
      // What we know the hub had: it detects its own rollback from these (SESSION.md §1a).
      hubAcked: [...hubAcked].map(([streamId, seq]) => ({ streamId, seq })),
      // What we can send again: a hub behind hub_acked keeps its ack where its data ends and we
      // resend, instead of recording a gap (SESSION.md §1a, lossless rollback).
      hubRetained: [...(marks.hubRetained?.() ?? [])].map(([streamId, seq]) => ({ streamId, seq })),
      downlinkMarks: [...(marks.allDownlinkMarks?.() ?? [])].map(([streamId, seq]) => ({ streamId, seq })),
      downlinkEpoch: marks.downlinkEpoch(),
    },
  };
}

/** One stream the hub stores less of than it had acked to us. */
export interface HubRollback { streamId: string; hubSeq: number; ackedBefore: number; reconciledByHub: boolean }

/**
 * SESSION.md §1a: streams the hub stores less of than it had acked to us. A hub that found it says
 * so (rolled_back, it moved the stream on); an older one just acks less than we know it had.
 */
export function hubRollbacks(ackedBefore: ReadonlyMap<string, number>, ack: telemed.v1.IHelloAck): HubRollback[] {
  const hubNow = new Map((ack.streams ?? []).map((s) => [s.streamId ?? '', Number(s.seq ?? 0)] as const));
  const reported = new Map((ack.rolledBack ?? []).map((s) => [s.streamId ?? '', Number(s.seq ?? 0)] as const));
  const out: HubRollback[] = [];
  for (const [streamId, known] of ackedBefore) {
    const hubSeq = reported.get(streamId) ?? hubNow.get(streamId) ?? 0;
    if (hubSeq < known) out.push({ streamId, hubSeq, ackedBefore: known, reconciledByHub: reported.has(streamId) });
  }
  return out;
}
