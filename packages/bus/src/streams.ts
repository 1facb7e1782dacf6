// The JetStream streams Moor keeps. Created or updated idempotently by every controller at
// start, so whichever starts first sets them up.
import { type JetStreamManager, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import { SUBJECT_ROOT } from './subjects.js';

const NANOS_PER_SECOND = 1_000_000_000;
const days = (n: number) => n * 24 * 3600 * NANOS_PER_SECOND;

export const Streams = {
  /** Controller events, durable so alerting loses nothing while it is down. */
  events: 'MOOR_EVENTS',
  /** The latest artifact per source: a consumer that starts late still learns the current one. */
  artifacts: 'MOOR_ARTIFACTS',
  /** Reconcile history records, per Kustomization. */
  history: 'MOOR_HISTORY',
} as const;

export interface StreamLimits {
  eventsMaxAgeDays: number;
  historyMaxAgeDays: number;
  historyPerObject: number;
}

export const DEFAULT_LIMITS: StreamLimits = {
  eventsMaxAgeDays: 7,
  historyMaxAgeDays: 90,
  historyPerObject: 1000,
};

type NamedStreamConfig = Partial<StreamConfig> & { name: string };

export function streamConfigs(limits: StreamLimits = DEFAULT_LIMITS): NamedStreamConfig[] {
  const common = { retention: RetentionPolicy.Limits, storage: StorageType.File, num_replicas: 1 };
  return [
    {
      ...common,
      name: Streams.events,
      subjects: [`${SUBJECT_ROOT}.events.>`],
      max_age: days(limits.eventsMaxAgeDays),
      // Publishers set the event id as Nats-Msg-Id: a retried publish is stored once.
      duplicate_window: 120 * NANOS_PER_SECOND,
    },
    {
      ...common,
      name: Streams.artifacts,
      subjects: [`${SUBJECT_ROOT}.artifacts.>`],
      max_msgs_per_subject: 1,
    },
    {
      ...common,
      name: Streams.history,
      subjects: [`${SUBJECT_ROOT}.history.>`],
      max_age: days(limits.historyMaxAgeDays),
      max_msgs_per_subject: limits.historyPerObject,
      duplicate_window: 120 * NANOS_PER_SECOND,
    },
  ];
}

export async function ensureStreams(jsm: JetStreamManager, limits?: StreamLimits): Promise<void> {
  for (const config of streamConfigs(limits)) {
    const name = config.name;
    const exists = await jsm.streams.info(name).then(
      () => true,
      () => false,
    );
    if (exists) await jsm.streams.update(name, config);
    else await jsm.streams.add(config);
  }
}
