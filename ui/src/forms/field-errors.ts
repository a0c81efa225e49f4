/**
 * Errors keyed by the API's field paths (`name`, `action.max`, `conditions[0].values`), so a
 * problem found in the browser and one answered by the server land next to the same control.
 */
export type FieldErrors = Record<string, string>;

/** The field a server detail names: `action.max: must be at least 0` → `action.max`. */
const FIELD_PREFIX = /^([a-z_][\w.]*(?:\[\d+\](?:\.[\w]+)*)*(?:\[\d+\])?)(?: \(line \d+, column \d+\))?: /;

/** The JSON of an API error: always `detail`; contact points add the field and place. */
export interface ApiErrorBody {
  detail: string;
  field?: string;
  message?: string;
  line?: number;
  column?: number;
}

/**
 * Splits an API error into per-field messages. Receivers join several issues with "; ";
 * contact points answer one issue with its `field`. What names no field goes under "".
 */
export function fieldErrorsFromApi(body: ApiErrorBody): FieldErrors {
  if (body.field && body.message) {
    const where = body.line ? ` (line ${body.line}, column ${body.column ?? 1})` : '';
    return { [body.field]: `${body.message}${where}` };
  }
  const errors: FieldErrors = {};
  for (const part of body.detail.split('; ')) {
    const m = FIELD_PREFIX.exec(part);
    const key = m?.[1] ?? '';
    const message = m ? part.slice(m[0].length) : part;
    errors[key] = errors[key] ? `${errors[key]}; ${message}` : message;
  }
  return errors;
}

export function hasErrors(errors: FieldErrors): boolean {
  return Object.keys(errors).length > 0;
}

/** A whole number typed into a text box, or an error message. Empty gives `fallback`. */
export function parseCount(text: string, options: { min?: number; fallback?: number } = {}): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return options.fallback;
  if (!/^-?\d+$/.test(trimmed)) return 'enter a whole number';
  const n = Number(trimmed);
  if (options.min !== undefined && n < options.min) return `must be at least ${options.min}`;
  return n;
}

/** A number of seconds typed into a text box (decimals allowed), or an error message. */
export function parseSeconds(text: string, options: { min?: number; fallback?: number } = {}): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return options.fallback;
  const n = Number(trimmed);
  if (!Number.isFinite(n)) return 'enter a number of seconds';
  if (options.min !== undefined && n < options.min) return `must be at least ${options.min}`;
  return n;
}

/** Non-empty lines, trimmed: how multi-value text areas are read (KubeSphere: one value per line). */
export function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}
