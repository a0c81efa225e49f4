// text/template's predefined functions (funcs.go): and, or, not, len, index, slice,
// print, printf, println, html, js, urlquery, eq, ne, lt, le, gt, ge, call — with
// Go 1.19's comparison rules and error texts.
import { intOf, sprint, sprintf, sprintln } from '../format.js';
import { GoTime } from '../time.js';
import {
  FuncError,
  GoFuncValue,
  GoMap,
  GoPointer,
  GoSlice,
  GoStruct,
  GoValue,
  IfaceBox,
  T,
  hasOwn,
  unbox,
  isTrue,
  kindOf,
  typeName,
  zeroOf,
} from '../values.js';
import type { GoFunc, GoType } from '../values.js';
import { isPrintRune } from '../quote.js';

const V = T.reflectValue;

function fn(name: string, params: GoType[], call: GoFunc['call'], variadic?: GoType): GoFunc {
  return variadic ? { name, params, variadic, call } : { name, params, call };
}

/** "reflect: call of reflect.Value.Type on zero Value": what Go reports when a builtin asks a nil for its type. */
const ZERO_VALUE_TYPE = 'reflect: call of reflect.Value.Type on zero Value';

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

function indexArg(index: unknown, cap: number): number {
  const x = intOf(index);
  if (x === undefined) {
    if (index === undefined || index === null) throw new FuncError('cannot index slice/array with nil');
    throw new FuncError(`cannot index slice/array with type ${typeName(index)}`);
  }
  if (x < 0n || x > BigInt(cap)) throw new FuncError(`index out of range: ${x}`);
  return Number(x);
}

function length(item: unknown): bigint {
  if (item instanceof IfaceBox) {
    if (item.v === undefined || item.v === null) throw new FuncError('len of nil pointer');
    item = item.v;
  }
  if (item instanceof GoPointer) {
    if (item.elem === undefined) throw new FuncError('len of nil pointer');
    item = item.elem;
  }
  if (typeof item === 'string') return BigInt(isAscii(item) ? item.length : utf8(item).length);
  if (Array.isArray(item)) return BigInt(item.length);
  if (item instanceof GoSlice) return BigInt(item.items.length);
  if (item instanceof GoMap) return BigInt(Object.keys(item.entries).length);
  if (item === undefined || item === null) throw new FuncError(ZERO_VALUE_TYPE);
  if (typeof item === 'object' && !(item instanceof GoValue)) return BigInt(Object.keys(item).length);
  throw new FuncError(`len of type ${typeName(item)}`);
}

function index(item: unknown, indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new FuncError('index of untyped nil');
  for (const idx of indexes) {
    if (item instanceof GoPointer) {
      if (item.elem === undefined) throw new FuncError('index of nil pointer');
      item = item.elem;
    }
    if (typeof item === 'string') {
      const bytes = utf8(item);
      const x = indexArg(idx, bytes.length);
      if (x >= bytes.length) throw new FuncError('reflect: string index out of range');
      // A byte is a uint8, an integer.
      item = BigInt(bytes[x] as number);
      continue;
    }
    const items = Array.isArray(item) ? (item as unknown[]) : item instanceof GoSlice ? item.items : undefined;
    if (items) {
      const x = indexArg(idx, items.length);
      if (x >= items.length) throw new FuncError('reflect: slice index out of range');
      item = items[x];
      continue;
    }
    const entries = item instanceof GoMap ? item.entries : typeof item === 'object' && item !== null && !(item instanceof GoValue) ? (item as Record<string, unknown>) : undefined;
    if (entries) {
      if (idx === undefined || idx === null) throw new FuncError('value is nil; should be of type string');
      if (typeof idx !== 'string') throw new FuncError(`value has type ${typeName(idx)}; should be string`);
      item = hasOwn(entries, idx) ? entries[idx] : item instanceof GoMap ? zeroOf(item.type.elem) : undefined;
      continue;
    }
    if (item === undefined || item === null) throw new FuncError(ZERO_VALUE_TYPE);
    throw new FuncError(`can't index item of type ${typeName(item)}`);
  }
  return item;
}

function slice(item: unknown, indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new FuncError('slice of untyped nil');
  if (indexes.length > 3) throw new FuncError(`too many slice indexes: ${indexes.length}`);
  let len: number;
  let bytes: Uint8Array | undefined;
  if (typeof item === 'string') {
    if (indexes.length === 3) throw new FuncError('cannot 3-index slice a string');
    bytes = utf8(item);
    len = bytes.length;
  } else if (Array.isArray(item)) {
    len = item.length;
  } else if (item instanceof GoSlice) {
    len = item.items.length;
  } else {
    throw new FuncError(`can't slice item of type ${typeName(item)}`);
  }
  const idx = [0, len];
  indexes.forEach((x, i) => {
    idx[i] = indexArg(x, len);
  });
  const [lo, hi] = idx as [number, number];
  if (lo > hi) throw new FuncError(`invalid slice index: ${lo} > ${hi}`);
  if (indexes.length === 3) {
    const max = idx[2] as number;
    if (hi > max) throw new FuncError(`invalid slice index: ${hi} > ${max}`);
  }
  if (bytes) return new TextDecoder().decode(bytes.subarray(lo, hi));
  if (Array.isArray(item)) return item.slice(lo, hi);
  const s = item as GoSlice;
  return new GoSlice(s.type, s.items.slice(lo, hi));
}

// --- escapers ---

/** Go's evalArgs: one string argument as is, otherwise fmt.Sprint of the printable values. */
function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(
    args.map((a) => {
      if (a instanceof GoPointer) return a.elem === undefined ? a : a.elem;
      return a === undefined || a === null ? '<no value>' : a;
    }),
  );
}

export function htmlEscape(s: string): string {
  if (!/['"&<>\0]/.test(s)) return s;
  return s.replace(/['"&<>\0]/g, (c) => {
    switch (c) {
      case '"':
        return '&#34;';
      case "'":
        return '&#39;';
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      default:
        return '\uFFFD';
    }
  });
}

export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const r = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '\\':
        out += '\\\\';
        continue;
      case "'":
        out += "\\'";
        continue;
      case '"':
        out += '\\"';
        continue;
      case '<':
        out += '\\u003C';
        continue;
      case '>':
        out += '\\u003E';
        continue;
      case '&':
        out += '\\u0026';
        continue;
      case '=':
        out += '\\u003D';
        continue;
    }
    if (r < 0x20) {
      out += '\\u00' + r.toString(16).toUpperCase().padStart(2, '0');
    } else if (r >= 0x80 && !isPrintRune(r)) {
      out += '\\u' + r.toString(16).toUpperCase().padStart(4, '0');
    } else {
      out += ch;
    }
  }
  return out;
}

/** url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of utf8(s)) {
    const c = String.fromCharCode(b);
    if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || c === '-' || c === '_' || c === '.' || c === '~') {
      out += c;
    } else if (c === ' ') {
      out += '+';
    } else {
      out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}

// --- comparisons ---

const enum BasicKind {
  Invalid,
  Bool,
  Int,
  Float,
  String,
}

function basicKind(v: unknown): BasicKind {
  switch (typeof v) {
    case 'boolean':
      return BasicKind.Bool;
    case 'bigint':
      return BasicKind.Int;
    case 'number':
      return BasicKind.Float;
    case 'string':
      return BasicKind.String;
  }
  if (intOf(v) !== undefined) return BasicKind.Int;
  return BasicKind.Invalid;
}

const errBadComparisonType = 'invalid type for comparison';
const errBadComparison = 'incompatible types for comparison';

function isNilValue(v: unknown): boolean {
  return v === undefined || v === null || (v instanceof GoPointer && v.elem === undefined);
}

function comparable(v: unknown): boolean {
  const k = kindOf(v);
  if (k === 'slice' || k === 'map' || k === 'func') return false;
  if (v instanceof GoStruct) return Object.values(v.fields).every((f) => f === undefined || comparable(f));
  return true;
}

function structEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof GoTime && b instanceof GoTime) return a.sec === b.sec && a.nsec === b.nsec && a.loc === b.loc;
  if (a instanceof GoStruct && b instanceof GoStruct) {
    if (a.type !== b.type) return false;
    return (a.type.fields ?? []).every((f) => {
      const x = a.fields[f.name];
      const y = b.fields[f.name];
      if (typeof x === 'object' && x !== null) return structEqual(x, y);
      return x === y;
    });
  }
  if (a instanceof GoPointer && b instanceof GoPointer) return a.elem === b.elem;
  return false;
}

function eq(arg1: unknown, rest: unknown[]): boolean {
  if (rest.length === 0) throw new FuncError('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (const arg of rest) {
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      // Only an untyped nil (no value at all) may be compared with anything.
      if (arg1 !== undefined && arg1 !== null && arg !== undefined && arg !== null) throw new FuncError(errBadComparison);
    } else {
      switch (k1) {
        case BasicKind.Bool:
        case BasicKind.Float:
        case BasicKind.String:
          truth = arg1 === arg;
          break;
        case BasicKind.Int:
          truth = intOf(arg1) === intOf(arg);
          break;
        default: {
          const a = arg1 === null ? undefined : arg1;
          const b = arg === null ? undefined : arg;
          if (a !== undefined && b !== undefined && kindOf(a) !== kindOf(b)) {
            throw new FuncError(`non-comparable types ${sprint([a])}: ${typeName(a)}, ${typeName(b)}: ${sprint([b])}`);
          }
          if (isNilValue(a) || isNilValue(b)) {
            truth = isNilValue(a) === isNilValue(b);
          } else {
            if (!comparable(b)) throw new FuncError(`non-comparable type ${sprint([b])}: ${typeName(b)}`);
            truth = structEqual(a, b);
          }
        }
      }
    }
    if (truth) return true;
  }
  return false;
}

function lt(arg1: unknown, arg2: unknown): boolean {
  const k1 = basicKind(arg1);
  if (k1 === BasicKind.Invalid) throw new FuncError(errBadComparisonType);
  const k2 = basicKind(arg2);
  if (k2 === BasicKind.Invalid) throw new FuncError(errBadComparisonType);
  if (k1 !== k2) throw new FuncError(errBadComparison);
  switch (k1) {
    case BasicKind.Bool:
      throw new FuncError(errBadComparisonType);
    case BasicKind.Int:
      return (intOf(arg1) as bigint) < (intOf(arg2) as bigint);
    case BasicKind.Float:
      return (arg1 as number) < (arg2 as number);
    default:
      return compareBytes(arg1 as string, arg2 as string);
  }
}

function compareBytes(a: string, b: string): boolean {
  if (isAscii(a) && isAscii(b)) return a < b;
  const x = utf8(a);
  const y = utf8(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return (x[i] as number) < (y[i] as number);
  return x.length < y.length;
}

function le(a: unknown, b: unknown): boolean {
  return lt(a, b) || eq(a, [b]);
}

function call(f: unknown, args: unknown[], ctx: Parameters<GoFunc['call']>[1]): unknown {
  if (f === undefined || f === null) throw new FuncError('call of nil');
  if (!(f instanceof GoFuncValue)) throw new FuncError(`non-function of type ${typeName(f)}`);
  const g = f.fn;
  const numIn = g.params.length;
  if (g.variadic) {
    if (args.length < numIn) throw new FuncError(`wrong number of args: got ${args.length} want at least ${numIn}`);
  } else if (args.length !== numIn) {
    throw new FuncError(`wrong number of args: got ${args.length} want ${numIn}`);
  }
  return g.call(args, ctx);
}

/** reflect.Value parameters see interface{}-typed values; most builtins look through them first. */
function plain(f: GoFunc['call']): GoFunc['call'] {
  return (args, ctx) => f(args.map(unbox), ctx);
}

export const builtinFuncs: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
  ['and', fn('and', [V], () => undefined, V)],
  ['or', fn('or', [V], () => undefined, V)],
  ['not', fn('not', [V], plain(([a]) => !isTrue(a)))],
  ['len', fn('len', [V], ([a]) => length(a))],
  ['index', fn('index', [V], plain(([item, ...rest]) => index(item, rest)), V)],
  ['slice', fn('slice', [V], plain(([item, ...rest]) => slice(item, rest)), V)],
  ['print', fn('print', [], (args) => sprint(args), T.any)],
  ['printf', fn('printf', [T.string], ([f, ...rest]) => sprintf(f as string, rest), T.any)],
  ['println', fn('println', [], (args) => sprintln(args), T.any)],
  ['html', fn('html', [], (args) => htmlEscape(evalArgs(args)), T.any)],
  ['js', fn('js', [], (args) => jsEscape(evalArgs(args)), T.any)],
  ['urlquery', fn('urlquery', [], (args) => queryEscape(evalArgs(args)), T.any)],
  ['eq', fn('eq', [V], plain(([a, ...rest]) => eq(a, rest)), V)],
  ['ne', fn('ne', [V, V], plain(([a, b]) => !eq(a, [b])))],
  ['lt', fn('lt', [V, V], plain(([a, b]) => lt(a, b)))],
  ['le', fn('le', [V, V], plain(([a, b]) => le(a, b)))],
  ['gt', fn('gt', [V, V], plain(([a, b]) => !le(a, b)))],
  ['ge', fn('ge', [V, V], plain(([a, b]) => !lt(a, b)))],
  ['call', fn('call', [V], plain(([f, ...rest], ctx) => call(f, rest, ctx)), V)],
]);
