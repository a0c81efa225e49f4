// Alertmanager's template functions (template.DefaultFuncs), reimplemented from
// their documented behaviour.
import { marshalJSON } from '../json.js';
import { matchString, mustCompile, replaceAllString } from '../regex.js';
import { GoDuration, GoTime, loadLocation, timeType } from '../time.js';
import { FuncError, GoSlice, T } from '../values.js';
import { quoteGo } from '../quote.js';
import type { GoFunc, GoType } from '../values.js';
import { intOf, sprintf } from '../format.js';

function fn(name: string, params: GoType[], call: GoFunc['call'], variadic?: GoType): GoFunc {
  return variadic ? { name, params, variadic, call } : { name, params, call };
}

/** Per-rune case mapping, keeping runes whose mapping is not a single rune (Go's unicode.To*). */
function mapRunes(s: string, f: (ch: string) => string): string {
  let out = '';
  for (const ch of s) {
    const m = f(ch);
    out += [...m].length === 1 ? m : ch;
  }
  return out;
}

export function toUpper(s: string): string {
  return /^[\x00-\x7f]*$/.test(s) ? s.toUpperCase() : mapRunes(s, (c) => c.toUpperCase());
}

export function toLower(s: string): string {
  return /^[\x00-\x7f]*$/.test(s) ? s.toLowerCase() : mapRunes(s, (c) => c.toLowerCase());
}

const wordChar = /^[\p{L}\p{M}\p{Nd}_]$/u;
const letter = /^\p{L}$/u;
const midLetter = new Set(["'", '.', ':', '\u00b7', '\u2019', '\u2018', '\u05f4', '\u2027', '\ufe13', '\ufe52', '\ufe55', '\uff07', '\uff0e', '\uff1a']);

/**
 * title: the first letter of every word upper-cased and the rest lower-cased, as
 * golang.org/x/text/cases.Title does for American English. Words are runs of letters,
 * digits, marks and "_"; an apostrophe, period or colon between two letters stays
 * inside the word ("don't", "hello.world").
 */
export function title(s: string): string {
  const runes = [...s];
  let out = '';
  let inWord = false;
  for (let i = 0; i < runes.length; i++) {
    const ch = runes[i] as string;
    if (wordChar.test(ch)) {
      out += inWord ? toLower(ch) : toUpper(ch);
      inWord = true;
    } else if (inWord && midLetter.has(ch) && letter.test(runes[i - 1] ?? '') && letter.test(runes[i + 1] ?? '')) {
      out += ch;
    } else {
      out += ch;
      inWord = false;
    }
  }
  return out;
}

const goSpace = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

export function trimSpace(s: string): string {
  return s.replace(goSpace, '');
}

/** url.QueryUnescape. */
export function queryUnescape(s: string): string {
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '%') {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) {
        const bad = s.slice(i, i + 3);
        throw new FuncError(`invalid URL escape ${quoteGo(bad)}`);
      }
      bytes.push(parseInt(h, 16));
      i += 2;
    } else if (c === '+') {
      bytes.push(0x20);
    } else {
      for (const b of enc.encode(c)) bytes.push(b);
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** strconv.ParseFloat, with Go's error text. */
export function parseFloatGo(s: string): number {
  const t = s.replace(/^[+]/, '');
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(s)) return NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    const v = Number(t);
    if (Number.isFinite(v)) return v;
    throw new FuncError(`strconv.ParseFloat: parsing ${quoteGo(s)}: value out of range`);
  }
  throw new FuncError(`strconv.ParseFloat: parsing ${quoteGo(s)}: invalid syntax`);
}

/** Prometheus' convertToFloat: float64, integer types, strings and durations. */
export function toFloat(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return parseFloatGo(v);
  if (v instanceof GoDuration) return Number(v.nanos) / 1e9;
  const i = intOf(v);
  if (i !== undefined) return Number(i);
  const t = v === undefined || v === null ? '<nil>' : typeof v === 'boolean' ? 'bool' : ((v as { type?: { name: string } }).type?.name ?? (Array.isArray(v) ? '[]interface {}' : 'map[string]interface {}'));
  throw new FuncError(`can't convert ${t} to float`);
}

/** prometheus/common HumanizeDuration: seconds as "1d 2h 3m 4s", or "12.5ms" below a second. */
export function humanizeDuration(v: unknown): string {
  let f = toFloat(v);
  if (Number.isNaN(f) || !Number.isFinite(f)) return sprintf('%.4g', [f]);
  if (f === 0) return sprintf('%.4gs', [f]);
  if (Math.abs(f) >= 1) {
    let sign = '';
    if (f < 0) {
      sign = '-';
      f = -f;
    }
    const duration = BigInt(Math.trunc(f));
    const seconds = duration % 60n;
    const minutes = (duration / 60n) % 60n;
    const hours = (duration / 3600n) % 24n;
    const days = duration / 86400n;
    if (days !== 0n) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0n) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0n) return `${sign}${minutes}m ${seconds}s`;
    return sprintf('%s%.4gs', [sign, f]);
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(f) >= 1) break;
    prefix = p;
    f *= 1000;
  }
  return sprintf('%.4g%ss', [f, prefix]);
}

function stringItems(v: unknown): string[] {
  return ((v as GoSlice | undefined)?.items ?? []) as string[];
}

export const alertmanagerFuncs: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
  ['toUpper', fn('toUpper', [T.string], ([s]) => toUpper(s as string))],
  ['toLower', fn('toLower', [T.string], ([s]) => toLower(s as string))],
  ['title', fn('title', [T.string], ([s]) => title(s as string))],
  ['trimSpace', fn('trimSpace', [T.string], ([s]) => trimSpace(s as string))],
  ['join', fn('join', [T.string, T.stringSlice], ([sep, s]) => stringItems(s).join(sep as string))],
  ['match', fn('match', [T.string, T.string], ([p, s]) => matchString(p as string, s as string))],
  ['safeHtml', fn('safeHtml', [T.string], ([s]) => s)],
  ['safeUrl', fn('safeUrl', [T.string], ([s]) => s)],
  ['urlUnescape', fn('urlUnescape', [T.string], ([s]) => queryUnescape(s as string))],
  ['reReplaceAll', fn('reReplaceAll', [T.string, T.string, T.string], ([p, r, t]) => replaceAllString(mustCompile(p as string), t as string, r as string))],
  ['stringSlice', fn('stringSlice', [], (args) => new GoSlice(T.stringSlice, args as string[]), T.string)],
  ['date', fn('date', [T.string, timeType], ([f, t]) => (t as GoTime).format(f as string))],
  ['tz', fn('tz', [T.string, timeType], ([name, t]) => (t as GoTime).in(loadLocation(name as string)))],
  ['since', fn('since', [timeType], ([t], ctx) => new GoDuration(GoTime.fromDate(ctx.now).unixNano() - (t as GoTime).unixNano()))],
  ['humanizeDuration', fn('humanizeDuration', [T.any], ([v]) => humanizeDuration(v))],
  ['toJson', fn('toJson', [T.any], ([v]) => marshalJSON(v))],
  ['list', fn('list', [], (args) => [...args], T.any)],
  ['append', fn('append', [T.anySlice], ([l, ...rest]) => [...((l as unknown[] | undefined) ?? []), ...rest], T.any)],
  [
    'dict',
    fn(
      'dict',
      [],
      (values) => {
        if (values.length % 2 !== 0) throw new FuncError('dict requires an even number of arguments');
        const out = Object.create(null) as Record<string, unknown>;
        for (let i = 0; i < values.length; i += 2) {
          const k = values[i];
          if (typeof k !== 'string') throw new FuncError('dict keys must be strings');
          out[k] = values[i + 1];
        }
        return out;
      },
      T.any,
    ),
  ],
]);
