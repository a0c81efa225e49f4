/** What an alert said at an earlier firing, kept with that episode's report. */
export interface Snapshot {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  value: string | null;
}

export interface Change {
  field: 'label' | 'annotation' | 'value';
  key: string;
  before: string | null;
  after: string | null;
}

/** The alert's value as the sender reported it: an annotation, or Grafana's value string. */
export function reportedValue(annotations: Record<string, string>, extras: { valueString?: string; values?: Record<string, number | null> }): string | null {
  const annotated = annotations.value ?? annotations.current_value ?? annotations.currentValue;
  if (annotated) return annotated;
  if (extras.valueString) return extras.valueString;
  if (extras.values && Object.keys(extras.values).length > 0) {
    return Object.entries(extras.values)
      .map(([k, v]) => `${k}=${v ?? 'null'}`)
      .join(', ');
  }
  return null;
}

/** Differences since the earlier snapshot; empty when nothing changed. */
export function changesSince(before: Snapshot, now: Snapshot): Change[] {
  return [
    ...diff('label', before.labels, now.labels),
    ...diff('annotation', before.annotations, now.annotations),
    ...(before.value !== now.value ? [{ field: 'value' as const, key: 'value', before: before.value, after: now.value }] : []),
  ];
}

function diff(field: 'label' | 'annotation', a: Record<string, string>, b: Record<string, string>): Change[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => a[k] !== b[k]).map((k) => ({ field, key: k, before: a[k] ?? null, after: b[k] ?? null }));
}
