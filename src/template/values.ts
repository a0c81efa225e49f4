// The runtime value model: how Go's reflect-level view of template data maps onto
// JavaScript values.
//
//   Go                          JavaScript
//   invalid / nil interface     undefined (JSON null is read as undefined too)
//   string, bool                string, boolean
//   float64                     number  (every JSON number is a float64 in Go)
//   int                         bigint  (template integer constants, len, range indexes)
//   []interface {}              Array
//   map[string]interface {}     plain object
//   anything typed              a GoValue subclass carrying its GoType
//
// Keeping plain JSON as plain JS values makes the common path allocation-free; the
// few typed values (KV, alerts, time.Time, ...) carry their type explicitly.

export type Kind = 'invalid' | 'bool' | 'int' | 'float64' | 'string' | 'slice' | 'map' | 'struct' | 'ptr' | 'func' | 'interface';

/** Thrown by function implementations; the executor reports it as "error calling NAME: MESSAGE". */
export class FuncError extends Error {}

export interface CallContext {
  /** The instant `time.Now`/`since` use: always supplied by the caller, never read from the clock. */
  readonly now: Date;
  /** Renders a defined template by name, for tmpl.Exec. */
  execTemplate(name: string, data: unknown): string;
  /** Parses and renders inline template text, for tmpl.Inline. */
  execInline(name: string, text: string, data: unknown): string;
}

export interface GoFunc {
  readonly name: string;
  /** Declared to return interface{}: the result keeps that static type inside a field chain. */
  readonly returnsInterface?: boolean;
  /** Types of the fixed parameters. */
  readonly params: readonly GoType[];
  /** Element type of a trailing ...T parameter. */
  readonly variadic?: GoType;
  readonly call: (args: unknown[], ctx: CallContext) => unknown;
}

export interface GoMethod {
  readonly returnsInterface?: boolean;
  readonly params: readonly GoType[];
  readonly variadic?: GoType;
  readonly call: (receiver: unknown, args: unknown[], ctx: CallContext) => unknown;
}

export interface GoType {
  readonly name: string;
  readonly kind: Kind;
  /** For named types, the name of the underlying type (template.KV: map[string]string). */
  readonly underlying?: string;
  /** Builds a value of this (integer) type from an integer constant, e.g. a time.Duration. */
  readonly fromInt?: (n: bigint) => unknown;
  readonly elem?: GoType;
  readonly methods?: ReadonlyMap<string, GoMethod>;
  /** Struct fields in declaration order, with their JSON names ("-" = skipped, "name,omitempty"). */
  readonly fields?: readonly { readonly name: string; readonly json: string }[];
}

/**
 * A value whose static Go type is interface{}: an element of map[string]interface{}
 * or []interface{}, or what a function declared to return interface{} returned.
 * Go only lets this show inside one command (a field chain, a range element): a nil
 * one is a "nil pointer" to evaluate fields on, and errors name its type
 * "interface {}". Pipelines unwrap it after every command, as Go does.
 */
export class IfaceBox {
  constructor(readonly v: unknown) {}
}

export function unbox(v: unknown): unknown {
  return typeof v === 'object' && v !== null && v.constructor === IfaceBox ? (v as IfaceBox).v : v;
}

export abstract class GoValue {
  abstract readonly type: GoType;
}

export class GoSlice extends GoValue {
  constructor(
    readonly type: GoType,
    readonly items: readonly unknown[],
    /** A nil slice: empty, but JSON null. */
    readonly isNil = false,
  ) {
    super();
  }
}

export class GoMap extends GoValue {
  constructor(
    readonly type: GoType,
    /** Own-property record; values must all be of `type.elem`. */
    readonly entries: Readonly<Record<string, unknown>>,
    /** A nil map: empty, but JSON null. */
    readonly isNil = false,
  ) {
    super();
  }
}

export class GoStruct extends GoValue {
  constructor(
    readonly type: GoType,
    readonly fields: Readonly<Record<string, unknown>>,
  ) {
    super();
  }
}

export class GoPointer extends GoValue {
  constructor(
    readonly type: GoType,
    /** undefined for a nil pointer. */
    readonly elem: unknown,
  ) {
    super();
  }
}

export class GoFuncValue extends GoValue {
  readonly type: GoType;
  constructor(readonly fn: GoFunc) {
    super();
    this.type = { name: 'func', kind: 'func' };
  }
}

// --- well-known types ---

export const T = {
  string: { name: 'string', kind: 'string' } as GoType,
  bool: { name: 'bool', kind: 'bool' } as GoType,
  int: { name: 'int', kind: 'int' } as GoType,
  float64: { name: 'float64', kind: 'float64' } as GoType,
  any: { name: 'interface {}', kind: 'interface' } as GoType,
  /** reflect.Value parameters of builtins: accept anything, including "no value". */
  reflectValue: { name: 'reflect.Value', kind: 'interface' } as GoType,
  anySlice: { name: '[]interface {}', kind: 'slice', elem: { name: 'interface {}', kind: 'interface' } } as GoType,
  anyMap: { name: 'map[string]interface {}', kind: 'map', elem: { name: 'interface {}', kind: 'interface' } } as GoType,
  stringSlice: { name: '[]string', kind: 'slice', elem: { name: 'string', kind: 'string' } } as GoType,
  stringMap: { name: 'map[string]string', kind: 'map', elem: { name: 'string', kind: 'string' } } as GoType,
  float64Map: { name: 'map[string]float64', kind: 'map', elem: { name: 'float64', kind: 'float64' } } as GoType,
} as const;

export function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

export function kindOf(v: unknown): Kind {
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'float64';
    case 'bigint':
      return 'int';
    case 'boolean':
      return 'bool';
    case 'undefined':
      return 'invalid';
    case 'function':
      return 'func';
    case 'object':
      if (v === null) return 'invalid';
      if (Array.isArray(v)) return 'slice';
      if (v instanceof GoValue) return v.type.kind;
      return 'map';
    default:
      return 'invalid';
  }
}

export function typeOf(v: unknown): GoType | undefined {
  switch (typeof v) {
    case 'string':
      return T.string;
    case 'number':
      return T.float64;
    case 'bigint':
      return T.int;
    case 'boolean':
      return T.bool;
    case 'object':
      if (v === null) return undefined;
      if (Array.isArray(v)) return T.anySlice;
      if (v instanceof GoValue) return v.type;
      return T.anyMap;
    default:
      return undefined;
  }
}

export function typeName(v: unknown): string {
  return typeOf(v)?.name ?? '<nil>';
}

/** Items of a slice value (JS array or GoSlice); undefined for anything else. */
export function sliceItems(v: unknown): readonly unknown[] | undefined {
  if (Array.isArray(v)) return v as unknown[];
  if (v instanceof GoSlice) return v.items;
  return undefined;
}

/** Entries record of a map value (plain object or GoMap); undefined for anything else. */
export function mapEntries(v: unknown): Readonly<Record<string, unknown>> | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  if (v instanceof GoMap) return v.entries;
  if (v instanceof GoValue) return undefined;
  return v as Record<string, unknown>;
}

/** Zero value of a map's element type, what a missing key reads as (missingkey=zero). */
export function zeroOf(t: GoType | undefined): unknown {
  switch (t?.kind) {
    case 'string':
      return '';
    case 'float64':
      return 0;
    case 'int':
      return 0n;
    case 'bool':
      return false;
    default:
      return undefined;
  }
}

/** Go orders strings by bytes; comparing code points gives the same order as UTF-8. */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length;
}

export function sortedKeys(entries: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(entries).sort(compareGoStrings);
}

export function hasOwn(entries: Readonly<Record<string, unknown>>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(entries, key);
}

/** Go's isTrue: the truth of a value for if/with/and/or/not. */
export function isTrue(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
      return v.length > 0;
    case 'number':
      return v !== 0;
    case 'bigint':
      return v !== 0n;
    case 'boolean':
      return v;
    case 'undefined':
      return false;
    case 'object': {
      if (v === null) return false;
      if (Array.isArray(v)) return v.length > 0;
      if (v instanceof GoSlice) return v.items.length > 0;
      if (v instanceof GoMap) return Object.keys(v.entries).length > 0;
      if (v instanceof GoPointer) return v.elem !== undefined;
      if (v instanceof GoValue) {
        const truth = (v as { truth?: () => boolean }).truth;
        return truth ? truth.call(v) : true;
      }
      for (const _ in v) return true;
      return false;
    }
    default:
      return true;
  }
}

/** Looks up a method of a value's type. */
export function methodOf(v: unknown, name: string): GoMethod | undefined {
  if (v instanceof GoValue) return v.type.methods?.get(name);
  return undefined;
}

export function makeType(name: string, kind: Kind, extra: Omit<GoType, 'name' | 'kind'> = {}): GoType {
  return { name, kind, ...extra };
}
