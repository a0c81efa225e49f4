// Go's encoding/json as template functions use it (toJson, data.ToJSON, data.JSON):
// sorted map keys, HTML-safe string escaping, Go's float notation, struct fields
// under their JSON names, time.Time as RFC 3339.
import { formatFloat, intOf } from './format.js';
import { GoTime } from './time.js';
import { FuncError, GoMap, GoPointer, GoSlice, GoStruct, GoValue, isPlainObject, sortedKeys } from './values.js';

const hex = '0123456789abcdef';

export function jsonString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26) {
      switch (c) {
        case 0x22:
          esc = '\\"';
          break;
        case 0x5c:
          esc = '\\\\';
          break;
        case 0x0a:
          esc = '\\n';
          break;
        case 0x0d:
          esc = '\\r';
          break;
        case 0x09:
          esc = '\\t';
          break;
        default:
          esc = '\\u00' + (hex[c >> 4] as string) + (hex[c & 15] as string);
      }
    } else if (c === 0x2028 || c === 0x2029) {
      esc = c === 0x2028 ? '\\u2028' : '\\u2029';
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const pair = c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff;
      if (pair) {
        i++;
        continue;
      }
      esc = '\ufffd';
    }
    if (esc !== undefined) {
      out += s.slice(start, i) + esc;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

function jsonFloat(f: number): string {
  if (!Number.isFinite(f)) throw new FuncError(`json: unsupported value: ${formatFloat(f, 'g', -1)}`);
  const abs = Math.abs(f);
  const fmt = abs !== 0 && (abs < 1e-6 || abs >= 1e21) ? 'e' : 'f';
  let b = formatFloat(f, fmt, -1);
  if (fmt === 'e') b = b.replace(/e([+-])0(\d)$/, 'e$1$2');
  return b;
}

function isEmptyValue(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  switch (typeof v) {
    case 'string':
      return v.length === 0;
    case 'number':
      return v === 0;
    case 'bigint':
      return v === 0n;
    case 'boolean':
      return !v;
  }
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof GoSlice) return v.items.length === 0;
  if (v instanceof GoMap) return Object.keys(v.entries).length === 0;
  if (v instanceof GoPointer) return v.elem === undefined;
  const i = intOf(v);
  if (i !== undefined) return i === 0n;
  if (!(v instanceof GoValue) && typeof v === 'object' && isPlainObject(v)) return Object.keys(v).length === 0;
  return false;
}

function newline(indent: string | null, p: string): string {
  return indent === null ? '' : '\n' + p;
}

function encodeInto(v: unknown, indent: string | null, prefix: string): string {
  const sep = indent === null ? ':' : ': ';
  switch (typeof v) {
    case 'undefined':
      return 'null';
    case 'string':
      return jsonString(v);
    case 'number':
      return jsonFloat(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v === null || typeof v !== 'object') return 'null';
  if (v instanceof GoTime) {
    const y = v.fields().year;
    if (y < 0 || y > 9999) throw new FuncError('json: error calling MarshalJSON for type time.Time: Time.MarshalJSON: year outside of range [0,9999]');
    return '"' + v.format('2006-01-02T15:04:05.999999999Z07:00') + '"';
  }
  const i = intOf(v);
  if (i !== undefined) return i.toString();
  const inner = indent === null ? '' : prefix + indent;
  if ((v instanceof GoSlice || v instanceof GoMap) && v.isNil) return 'null';
  if (Array.isArray(v) || v instanceof GoSlice) {
    const items = Array.isArray(v) ? (v as unknown[]) : v.items;
    if (items.length === 0) return '[]';
    return '[' + items.map((x) => newline(indent, inner) + encodeInto(x, indent, inner)).join(',') + newline(indent, prefix) + ']';
  }
  if (v instanceof GoPointer) return v.elem === undefined ? 'null' : encodeInto(v.elem, indent, prefix);
  if (v instanceof GoStruct) {
    const parts: string[] = [];
    for (const f of v.type.fields ?? []) {
      const [name, ...opts] = f.json.split(',');
      if (name === '-') continue;
      const val = v.fields[f.name];
      if (opts.includes('omitempty') && isEmptyValue(val)) continue;
      parts.push(newline(indent, inner) + jsonString(name || f.name) + sep + encodeInto(val, indent, inner));
    }
    if (parts.length === 0) return '{}';
    return '{' + parts.join(',') + newline(indent, prefix) + '}';
  }
  if (v instanceof GoMap || (!(v instanceof GoValue) && isPlainObject(v))) {
    const entries = v instanceof GoMap ? v.entries : (v as Record<string, unknown>);
    const keys = sortedKeys(entries);
    if (keys.length === 0) return '{}';
    return '{' + keys.map((k) => newline(indent, inner) + jsonString(k) + sep + encodeInto(entries[k], indent, inner)).join(',') + newline(indent, prefix) + '}';
  }
  throw new FuncError(`json: unsupported type: ${v instanceof GoValue ? v.type.name : 'func'}`);
}

/** json.Marshal. Throws FuncError for values JSON cannot hold (NaN, functions). */
export function marshalJSON(v: unknown): string {
  return encodeInto(v, null, '');
}

/** json.Marshal followed by json.Indent(prefix "", indent). */
export function marshalJSONIndent(v: unknown, indent: string): string {
  return encodeInto(v, indent, '');
}

/**
 * Reads JSON into template values: objects become maps, arrays slices, integers
 * int and other numbers float64 (as Grafana's data.JSON, which decodes via YAML).
 */
export function parseJSONValue(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => {
      if (typeof value !== 'number') return value;
      const source = context?.source;
      if (source !== undefined) {
        if (!/^-?\d+$/.test(source)) return value;
        const big = BigInt(source);
        return big >= -(1n << 63n) && big < 1n << 63n ? big : value;
      }
      // Without the source text (older runtimes) integral values are taken as integers.
      return Number.isSafeInteger(value) ? BigInt(value) : value;
    });
  } catch (e) {
    throw new FuncError(`unable to unmarshal object ${text}: ${(e as Error).message}`);
  }
  return nullToUndefined(parsed);
}

function nullToUndefined(v: unknown): unknown {
  if (v === null) return undefined;
  if (Array.isArray(v)) return v.map(nullToUndefined);
  if (typeof v === 'object') {
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = nullToUndefined(x);
    return out;
  }
  return v;
}
