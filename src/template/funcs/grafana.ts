// Grafana's additions: Prometheus-style humanizers and toTime, and the namespaced
// custom-payload helpers coll.*, data.*, tmpl.* and time.* (Grafana's gomplate
// subset), reimplemented from their documented behaviour.
import { sprint, sprintf } from '../format.js';
import { marshalJSON, marshalJSONIndent, parseJSONValue } from '../json.js';
import { GoTime, timeType } from '../time.js';
import { FuncError, GoPointer, GoSlice, GoStruct, GoValue, T } from '../values.js';
import type { GoFunc, GoMethod, GoType } from '../values.js';
import { humanizeDuration, toFloat } from './alertmanager.js';

function fn(name: string, params: GoType[], call: GoFunc['call'], variadic?: GoType): GoFunc {
  return variadic ? { name, params, variadic, call } : { name, params, call };
}

export function humanize(v: unknown): string {
  let f = toFloat(v);
  if (f === 0 || Number.isNaN(f) || !Number.isFinite(f)) return sprintf('%.4g', [f]);
  let prefix = '';
  if (Math.abs(f) >= 1) {
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(f) < 1000) break;
      prefix = p;
      f /= 1000;
    }
    return sprintf('%.4g%s', [f, prefix]);
  }
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(f) >= 1) break;
    prefix = p;
    f *= 1000;
  }
  return sprintf('%.4g%s', [f, prefix]);
}

export function humanize1024(v: unknown): string {
  let f = toFloat(v);
  if (Math.abs(f) <= 1 || Number.isNaN(f) || !Number.isFinite(f)) return sprintf('%.4g', [f]);
  let prefix = '';
  for (const p of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
    if (Math.abs(f) < 1024) break;
    prefix = p;
    f /= 1024;
  }
  return sprintf('%.4g%s', [f, prefix]);
}

export function humanizePercentage(v: unknown): string {
  return sprintf('%.4g%%', [toFloat(v) * 100]);
}

const timePtrType: GoType = { name: '*time.Time', kind: 'ptr', elem: timeType };

/** Prometheus' floatToTime: unix seconds to a UTC time, truncated to milliseconds. */
function floatToTime(v: number): GoTime {
  if (Number.isNaN(v) || !Number.isFinite(v)) throw new FuncError('value is NaN or Inf');
  const ts = v * 1e9;
  if (ts > 9223372036854775807 || ts < -9223372036854775808) {
    throw new FuncError(`${sprint([v])} cannot be represented as a nanoseconds timestamp since it overflows int64`);
  }
  const ms = BigInt(Math.trunc(ts)) / 1_000_000n;
  let sec = ms / 1000n;
  let rem = ms % 1000n;
  if (rem < 0n) {
    rem += 1000n;
    sec -= 1n;
  }
  return new GoTime(Number(sec), Number(rem) * 1_000_000);
}

/** gomplate's toString: nil as "nil", strings and Stringers as themselves, else fmt.Sprint. */
function toStringGo(v: unknown): string {
  if (v === undefined || v === null) return 'nil';
  if (typeof v === 'string') return v;
  if (v instanceof GoPointer && v.elem !== undefined) return sprint([v.elem]);
  return sprint([v]);
}

function method(params: GoType[], call: GoMethod['call'], variadic?: GoType): GoMethod {
  return variadic ? { params, variadic, call } : { params, call };
}

function namespace(typeName: string, methods: [string, GoMethod][]): GoStruct {
  return new GoStruct({ name: typeName, kind: 'struct', fields: [], methods: new Map(methods) }, {});
}

const collNS = namespace('*gomplate.CollFuncs', [
  [
    'Dict',
    method(
      [],
      (_r, args) => {
        const out = Object.create(null) as Record<string, unknown>;
        for (let i = 0; i < args.length; i += 2) {
          const key = toStringGo(args[i]);
          out[key] = i + 1 >= args.length ? '' : args[i + 1];
        }
        return out;
      },
      T.any,
    ),
  ],
  ['Slice', method([], (_r, args) => [...args], T.any)],
  [
    'Append',
    method([T.any, T.any], (_r, [v, list]) => {
      const items = Array.isArray(list) ? (list as unknown[]) : list instanceof GoSlice ? list.items : undefined;
      if (!items) throw new FuncError('expected an array or slice, but got a reflect.Value');
      return [...items, v];
    }),
  ],
]);

const dataNS = namespace('*gomplate.DataFuncs', [
  ['JSON', { ...method([T.any], (_r, [v]) => parseJSONValue(toStringGo(v))), returnsInterface: true }],
  ['ToJSON', method([T.any], (_r, [v]) => marshalJSON(v))],
  ['ToJSONPretty', method([T.string, T.any], (_r, [indent, v]) => marshalJSONIndent(v, indent as string))],
]);

const tmplNS = namespace('*gomplate.TmplFuncs', [
  [
    'Exec',
    method(
      [T.string],
      (_r, [name, ...ctxArgs], ctx) => ctx.execTemplate(name as string, ctxArgs.length === 1 ? ctxArgs[0] : undefined),
      T.any,
    ),
  ],
  [
    'Inline',
    method(
      [],
      (_r, args, ctx) => {
        if (args.length !== 2) throw new FuncError(`wrong number of args for tpl: want 2 - got ${args.length}`);
        const [first, second] = args;
        if (typeof first !== 'string') {
          const t = first === undefined || first === null ? '<nil>' : first instanceof GoValue ? first.type.name : typeof first === 'number' ? 'float64' : typeof first === 'bigint' ? 'int' : typeof first === 'boolean' ? 'bool' : Array.isArray(first) ? '[]interface {}' : 'map[string]interface {}';
          throw new FuncError(`wrong input: first arg must be string, got ${t}`);
        }
        if (typeof second === 'string') return ctx.execInline(first, second, undefined);
        return ctx.execInline('<inline>', first, second);
      },
      T.any,
    ),
  ],
]);

const timeNS = namespace('*gomplate.TimeFuncs', [['Now', method([], (_r, _a, ctx) => GoTime.fromDate(ctx.now))]]);

export const grafanaFuncs: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
  ['humanize', fn('humanize', [T.any], ([v]) => humanize(v))],
  ['humanize1024', fn('humanize1024', [T.any], ([v]) => humanize1024(v))],
  ['humanizePercentage', fn('humanizePercentage', [T.any], ([v]) => humanizePercentage(v))],
  ['humanizeDuration', fn('humanizeDuration', [T.any], ([v]) => humanizeDuration(v))],
  [
    'humanizeTimestamp',
    fn('humanizeTimestamp', [T.any], ([v]) => {
      const f = toFloat(v);
      if (Number.isNaN(f) || !Number.isFinite(f)) return sprintf('%.4g', [f]);
      return floatToTime(f).toString();
    }),
  ],
  ['toTime', fn('toTime', [T.any], ([v]) => new GoPointer(timePtrType, floatToTime(toFloat(v))))],
  // Each namespace is a function declared to return interface{} (Grafana's gomplate wiring).
  ['coll', { ...fn('coll', [], () => collNS), returnsInterface: true }],
  ['data', { ...fn('data', [], () => dataNS), returnsInterface: true }],
  ['tmpl', { ...fn('tmpl', [], () => tmplNS), returnsInterface: true }],
  ['time', { ...fn('time', [], () => timeNS), returnsInterface: true }],
]);
