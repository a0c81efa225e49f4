import { Value } from '@sinclair/typebox/value';
import type { ProvisionedContactPointConfig } from '../config/contact-points.js';
import { ContactPointInputSchema, type ContactPointInput } from './contact-point.js';

/** Maps whose keys are the user's own (header names, variables), not field names. */
const VERBATIM = new Set(['headers', 'vars', 'endpoint_params']);

function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[camel(k)] = VERBATIM.has(k) ? v : camelKeys(v);
  return out;
}

/**
 * A contact point from alertwire.yaml as the API would take it. The file's schema was checked
 * when the configuration loaded; this checks the result against the API's schema too, so the
 * two can never drift apart silently.
 */
export function fromConfig(entry: ProvisionedContactPointConfig, index: number): ContactPointInput {
  const input = camelKeys(entry);
  const [issue] = Value.Errors(ContactPointInputSchema, input);
  if (issue) throw new Error(`contact_points[${index}]${issue.path.replace(/\//g, '.')}: ${issue.message}`);
  return input as ContactPointInput;
}
