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

// Go maps case rune by rune with UnicodeData's simple mappings; JavaScript applies
// SpecialCasing, whose multi-rune results Go never produces. Where a simple mapping
// exists beside a multi-rune full one, it is listed here; otherwise a rune whose full
// mapping is several runes is left as it is, as Go leaves it.
const SIMPLE_LOWER: ReadonlyMap<string, string> = new Map([['\u0130', 'i']]);
const SIMPLE_UPPER: ReadonlyMap<string, string> = new Map([
  ...greekIotaRange(0x1f80, 0x1f88),
  ...greekIotaRange(0x1f90, 0x1f98),
  ...greekIotaRange(0x1fa0, 0x1fa8),
  ['\u1fb3', '\u1fbc'],
  ['\u1fc3', '\u1fcc'],
  ['\u1ff3', '\u1ffc'],
]);

/** Greek letters with ypogegrammeni: eight lower-case runes from `from`, their title-case forms from `to`. */
function greekIotaRange(from: number, to: number): [string, string][] {
  return Array.from({ length: 8 }, (_, i) => [String.fromCodePoint(from + i), String.fromCodePoint(to + i)]);
}

function mapRunes(s: string, simple: ReadonlyMap<string, string>, full: (ch: string) => string): string {
  let out = '';
  for (const ch of s) {
    const m = simple.get(ch) ?? full(ch);
    out += [...m].length === 1 ? m : ch;
  }
  return out;
}

export function toUpper(s: string): string {
  return /^[\x00-\x7f]*$/.test(s) ? s.toUpperCase() : mapRunes(s, SIMPLE_UPPER, (c) => c.toUpperCase());
}

export function toLower(s: string): string {
  return /^[\x00-\x7f]*$/.test(s) ? s.toLowerCase() : mapRunes(s, SIMPLE_LOWER, (c) => c.toLowerCase());
}

// Title-case forms that differ from the upper-case ones: digraphs, and the full
// mappings whose tail stays lower case or keeps the iota subscript.
const TITLE_CASE: ReadonlyMap<string, string> = new Map([
  ...['\u01c4\u01c5\u01c6', '\u01c7\u01c8\u01c9', '\u01ca\u01cb\u01cc', '\u01f1\u01f2\u01f3'].flatMap((forms) =>
    [...forms].map((ch): [string, string] => [ch, forms[1] as string]),
  ),
  ['\u0149', '\u02bcN'],
  ...SIMPLE_UPPER,
  ['\u1fb2', '\u1fba\u0345'],
  ['\u1fb4', '\u0386\u0345'],
  ['\u1fb7', '\u0391\u0342\u0345'],
  ['\u1fc2', '\u1fca\u0345'],
  ['\u1fc4', '\u0389\u0345'],
  ['\u1fc7', '\u0397\u0342\u0345'],
  ['\u1ff2', '\u1ffa\u0345'],
  ['\u1ff4', '\u038f\u0345'],
  ['\u1ff7', '\u03a9\u0342\u0345'],
]);

/** A rune's title case with full mappings: "ß" → "Ss", "ﬁ" → "Fi", "ǆ" → "ǅ". */
function titleRune(ch: string): string {
  const special = TITLE_CASE.get(ch);
  if (special !== undefined) return special;
  const [first = ch, ...rest] = [...ch.toUpperCase()];
  return first + rest.join('').toLowerCase();
}

const cased = /^[\p{Lowercase}\p{Uppercase}\p{Lt}]$/u;
const caseIgnorable = /^[\p{Mn}\p{Me}\p{Cf}\p{Lm}\p{Sk}'.:\u00b7\u2018\u2019\u2024\ufe52\uff07\uff0e]$/u;
const wordChar = /^[\p{L}\p{M}\p{Nd}\p{Pc}]$/u;
const midLetter = new Set(["'", '.', ':', '\u00b7', '\u2019', '\u2018', '\u05f4', '\u2027', '\ufe13', '\ufe52', '\ufe55', '\uff07', '\uff0e', '\uff1a']);

/** Σ is final (ς) when a cased letter precedes it and none follows, case-ignorable runes skipped. */
function isFinalSigma(runes: readonly string[], i: number): boolean {
  for (let j = i + 1; j < runes.length; j++) {
    const r = runes[j] as string;
    if (cased.test(r)) return false;
    if (!caseIgnorable.test(r)) break;
  }
  return true;
}

/**
 * title, as golang.org/x/text/cases.Title(language.AmericanEnglish): in each word the
 * first cased letter is title-cased ("2s" → "2S", "ßtraße" → "Sstraße") and the letters
 * after it lower-cased, with a final sigma. Words are runs of letters, marks, digits and
 * connectors; an apostrophe, period or colon between two letters stays inside the word.
 */
export function title(s: string): string {
  const runes = [...s];
  let out = '';
  let inWord = false;
  let titled = false;
  for (let i = 0; i < runes.length; i++) {
    const ch = runes[i] as string;
    const mid = inWord && midLetter.has(ch) && wordChar.test(runes[i - 1] ?? '') && wordChar.test(runes[i + 1] ?? '');
    if (!wordChar.test(ch) && !mid) {
      out += ch;
      inWord = titled = false;
    } else if (!cased.test(ch)) {
      out += ch;
      inWord = true;
    } else if (!titled) {
      out += titleRune(ch);
      inWord = titled = true;
    } else {
      out += ch === '\u03a3' && isFinalSigma(runes, i) ? '\u03c2' : ch.toLowerCase();
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
