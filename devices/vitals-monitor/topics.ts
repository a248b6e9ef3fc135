// Topic layout of the ambulance broker (README.md "Topics"): one tree per monitor.
//   telemed/v1/monitors/{monitorId}/status            retained, QoS 1, last will
//   telemed/v1/monitors/{monitorId}/numerics          QoS 1
//   telemed/v1/monitors/{monitorId}/alarms            QoS 1
//   telemed/v1/monitors/{monitorId}/waveform/{channel} QoS 0

export const TOPIC_ROOT = 'telemed/v1/monitors';

/** Monitor ids and channel names: one topic level, no wildcards or separators ([MQTT-4.7.1]). */
export const MONITOR_ID_PATTERN = '^[A-Za-z0-9._-]{1,64}$';
const MONITOR_ID = new RegExp(MONITOR_ID_PATTERN);
const CHANNEL = /^[A-Za-z0-9_]{1,32}$/;

export type MonitorTopic =
  | { kind: 'status'; monitorId: string }
  | { kind: 'numerics'; monitorId: string }
  | { kind: 'alarms'; monitorId: string }
  | { kind: 'waveform'; monitorId: string; channel: string };

export const monitorTopics = (monitorId: string) => ({
  status: `${TOPIC_ROOT}/${monitorId}/status`,
  numerics: `${TOPIC_ROOT}/${monitorId}/numerics`,
  alarms: `${TOPIC_ROOT}/${monitorId}/alarms`,
  waveform: (channel: string) => `${TOPIC_ROOT}/${monitorId}/waveform/${channel}`,
  /** What the gateway subscribes to for this monitor. */
  all: `${TOPIC_ROOT}/${monitorId}/#`,
});

export function isMonitorId(s: string): boolean {
  return MONITOR_ID.test(s);
}

/** The topic's kind and ids, or null for a topic outside the layout. */
export function parseTopic(topic: string): MonitorTopic | null {
  if (!topic.startsWith(`${TOPIC_ROOT}/`)) return null;
  const parts = topic.slice(TOPIC_ROOT.length + 1).split('/');
  const [monitorId, leaf, channel] = parts;
  if (monitorId === undefined || !MONITOR_ID.test(monitorId)) return null;
  if (parts.length === 2 && (leaf === 'status' || leaf === 'numerics' || leaf === 'alarms')) return { kind: leaf, monitorId };
  if (parts.length === 3 && leaf === 'waveform' && channel !== undefined && CHANNEL.test(channel)) return { kind: 'waveform', monitorId, channel };
  return null;
}
