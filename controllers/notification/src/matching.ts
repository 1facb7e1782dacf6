// Which Alerts an event matches, by Flux's rules: the Alert's severity (info takes every
// event, error only errors), its event sources (kind, name or '*', namespace defaulting to the
// Alert's, matchLabels on the source object), then inclusionList and exclusionList on the message.
import type { Alert, MoorEvent } from '@moor/api';

export type LabelsOf = (
  kind: string,
  namespace: string,
  name: string,
) => Promise<Record<string, string> | undefined>;

export async function alertMatches(alert: Alert, event: MoorEvent, labelsOf: LabelsOf): Promise<boolean> {
  if (alert.spec.suspend) return false;
  if ((alert.spec.eventSeverity ?? 'info') === 'error' && event.severity !== 'error') return false;
  const obj = event.involvedObject;
  let sourceMatched = false;
  for (const src of alert.spec.eventSources) {
    if (src.kind !== obj.kind) continue;
    const namespace = src.namespace ?? alert.metadata.namespace;
    if (namespace !== '*' && namespace !== obj.namespace) continue;
    if (src.name !== '*' && src.name !== obj.name) continue;
    if (src.matchLabels && Object.keys(src.matchLabels).length > 0) {
      const labels = (await labelsOf(obj.kind, obj.namespace, obj.name)) ?? {};
      if (!Object.entries(src.matchLabels).every(([k, v]) => labels[k] === v)) continue;
    }
    sourceMatched = true;
    break;
  }
  if (!sourceMatched) return false;
  const included = alert.spec.inclusionList ?? [];
  if (included.length > 0 && !included.some((re) => new RegExp(re).test(event.message))) return false;
  if ((alert.spec.exclusionList ?? []).some((re) => new RegExp(re).test(event.message))) return false;
  return true;
}
