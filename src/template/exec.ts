// The executor: runs compiled templates (compile.ts) over template data following
// Go's text/template evaluation rules (exec.go), with "missingkey=zero" as
// Alertmanager and Grafana set it, and with limits on output size, steps and
// template call depth. State is one execution: its variables, output and budget,
// plus the parts of Go's rules the compiled closures share (calls, field lookup on
// any value, argument type checks, errors).
import type { ArgNode, CommandNode, Node, NumberNode } from './ast.js';
import { nodeString } from './ast.js';
import { MISSING, compileTree } from './compile.js';
import type { ArgCode, CallSite, NodeCode } from './compile.js';
import { TemplateError, locate } from './errors.js';
import { printOne } from './format.js';
import { quoteGo } from './quote.js';
import type { Tree } from './parser.js';
import { FuncError, GoMap, GoPointer, GoStruct, GoValue, IfaceBox, T, hasOwn, unbox, isTrue, kindOf, typeName, typeOf, zeroOf } from './values.js';
import type { CallContext, GoFunc, GoMethod, GoType } from './values.js';

export interface Limits {
  /** Largest output, in characters (UTF-16 code units). Default 10 MiB. */
  maxOutputSize: number;
  /** Most evaluation steps (actions, commands, loop iterations) in one render. Default 1,000,000. */
  maxSteps: number;
  /** Deepest nesting of {{template}} / tmpl.Exec calls. Default 100. */
  maxCallDepth: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxOutputSize: 10 * 1024 * 1024,
  maxSteps: 1_000_000,
  maxCallDepth: 100,
};

export interface FuncTable {
  /** A function by name; `builtin` marks text/template's own (and/or short-circuit). */
  lookup(name: string): { fn: GoFunc; builtin: boolean } | undefined;
}

/** A set of named templates sharing one function table (Go's *template.Template family). */
export interface TemplateSetLike {
  lookup(name: string): Tree | undefined;
  readonly funcs: FuncTable;
  /** Parses extra text into a set layered over this one (tmpl.Inline). */
  overlay(name: string, text: string): TemplateSetLike;
}

class ExecPanic {
  constructor(readonly error: TemplateError) {}
}

interface Budget {
  steps: number;
  readonly limits: Limits;
  readonly now: Date | undefined;
}

interface Variable {
  readonly name: string;
  value: unknown;
}

const UNNAMED_TYPES = /^(\[|map\[|\*|func|interface)/;

/** Go's AssignableTo for the types template data can have. */
function assignable(v: unknown, t: GoType): boolean {
  if (t.kind === 'interface') return true;
  const vt = typeOf(v);
  if (vt === undefined) return false;
  if (vt === t || vt.name === t.name) return true;
  const vu = vt.underlying ?? vt.name;
  const tu = t.underlying ?? t.name;
  return vu === tu && (UNNAMED_TYPES.test(vt.name) || UNNAMED_TYPES.test(t.name));
}

function canBeNil(t: GoType): boolean {
  switch (t.kind) {
    case 'interface':
    case 'map':
    case 'slice':
    case 'ptr':
    case 'func':
      return true;
  }
  return false;
}

function isHexInt(s: string): boolean {
  return s.length > 2 && s[0] === '0' && (s[1] === 'x' || s[1] === 'X') && !/[pP]/.test(s);
}

// Members are public so that the compiled closures can reach them; nothing outside
// the engine sees a State except through CallContext.
export class State implements CallContext {
  /** The output so far. */
  out = '';
  /** The variable stack, innermost last; `$` first. */
  vars: Variable[];
  /** The node being evaluated: where an error or exceeded limit is reported. */
  node: Node | ArgNode | CommandNode | null = null;
  // Copied out of the budget: read on every step and every write.
  private readonly maxSteps: number;
  private readonly maxOutput: number;

  constructor(
    readonly set: TemplateSetLike,
    private tmplName: string,
    dot: unknown,
    private readonly budget: Budget,
    private depth: number,
  ) {
    this.vars = [{ name: '$', value: dot }];
    this.maxSteps = budget.limits.maxSteps;
    this.maxOutput = budget.limits.maxOutputSize;
  }

  /** The caller's clock reading; the engine never reads the system clock itself. */
  get now(): Date {
    if (this.budget.now === undefined) throw new FuncError('no current time was supplied to the template engine (options.now)');
    return this.budget.now;
  }

  // --- CallContext, for tmpl.Exec / tmpl.Inline ---

  execTemplate(name: string, data: unknown): string {
    const tree = this.set.lookup(name);
    if (!tree) throw new FuncError(`template "${name}" not defined`);
    return this.nested(this.set, tree, data);
  }

  execInline(name: string, text: string, data: unknown): string {
    let set: TemplateSetLike;
    try {
      set = this.set.overlay(name, text);
    } catch (e) {
      if (e instanceof TemplateError) throw new FuncError(e.goMessage);
      throw e;
    }
    const tree = set.lookup(name);
    if (!tree) throw new FuncError(`template "${name}" not defined`);
    return this.nested(set, tree, data);
  }

  private nested(set: TemplateSetLike, tree: Tree, data: unknown): string {
    this.checkDepth();
    const st = new State(set, tree.name, data, this.budget, this.depth + 1);
    return st.run(tree);
  }

  // --- entry ---

  run(tree: Tree): string {
    try {
      compileTree(tree)(this, this.vars[0]?.value);
    } catch (e) {
      if (e instanceof ExecPanic) throw e.error;
      if (e instanceof RangeError && /call stack/i.test(e.message)) {
        throw new TemplateError('limit', `template: ${this.tmplName}: exceeded maximum template depth (call stack exhausted)`, this.tmplName, 0, 0);
      }
      throw e;
    }
    return this.out;
  }

  /** Runs a {{template}} call's tree with its own variables, as Go does. */
  enterTemplate(name: string, code: NodeCode, dot: unknown): void {
    const savedVars = this.vars;
    const savedName = this.tmplName;
    this.vars = [{ name: '$', value: dot }];
    this.tmplName = name;
    this.depth++;
    try {
      code(this, dot);
    } finally {
      this.depth--;
      this.vars = savedVars;
      this.tmplName = savedName;
    }
  }

  // --- errors and limits ---

  errorf(message: string): never {
    const name = this.tmplName;
    if (this.node === null) {
      const m = `template: ${name}: ${message}`;
      throw new ExecPanic(new TemplateError('exec', m, name, 0, 0));
    }
    const n = this.node;
    const loc = locate(n.src.text, n.pos);
    const location = `${n.src.parseName}:${loc.line}:${loc.byteColumn}`;
    const m = `template: ${location}: executing ${quoteGo(name)} at <${nodeString(n)}>: ${message}`;
    throw new ExecPanic(new TemplateError('exec', m, name, loc.line, loc.column));
  }

  private limit(message: string): never {
    const name = this.tmplName;
    let m = `template: ${name}: ${message}`;
    let line = 0;
    let column = 0;
    if (this.node !== null) {
      const loc = locate(this.node.src.text, this.node.pos);
      line = loc.line;
      column = loc.column;
      m = `template: ${this.node.src.parseName}:${loc.line}:${loc.byteColumn}: executing ${quoteGo(name)} at <${nodeString(this.node)}>: ${message}`;
    }
    throw new ExecPanic(new TemplateError('limit', m, name, line, column));
  }

  step(): void {
    if (++this.budget.steps > this.maxSteps) {
      this.limit(`exceeded the limit of ${this.maxSteps} evaluation steps`);
    }
  }

  /** Fails when one more level of template call would exceed the depth limit. */
  checkDepth(): void {
    if (this.depth + 1 >= this.budget.limits.maxCallDepth) {
      this.limit(`exceeded maximum template depth (${this.budget.limits.maxCallDepth})`);
    }
  }

  write(s: string): void {
    // Appending builds a rope (V8 cons strings); it is flattened once, when read.
    this.out += s;
    if (this.out.length > this.maxOutput) {
      this.limit(`output exceeds the limit of ${this.maxOutput} characters`);
    }
  }

  // --- variables ---

  setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) {
        v.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) return v.value;
    }
    this.errorf(`undefined variable: ${name}`);
  }

  /** Drops the variables declared since the stack had `mark` entries. */
  popVars(mark: number): void {
    if (this.vars.length !== mark) this.vars.length = mark;
  }

  // --- commands ---

  notAFunction(args: readonly ArgNode[], final: unknown): void {
    if (args.length > 1 || final !== MISSING) {
      this.errorf(`can't give argument to non-function ${nodeString(args[0] as ArgNode)}`);
    }
  }

  idealConstant(c: NumberNode): unknown {
    this.node = c;
    if (c.isFloat && !isHexInt(c.text) && c.text[0] !== "'" && /[.eEpP]/.test(c.text)) return c.float64;
    if (c.isInt) return c.int64;
    if (c.isUint) this.errorf(`${c.text} overflows int`);
    return undefined;
  }

  /** Go's evalField: a field, map entry or method of any receiver. */
  field(dot: unknown, site: CallSite, final: unknown, receiver: unknown): unknown {
    if (receiver === undefined || receiver === null) return undefined;
    const fieldName = site.name;
    let iface = false;
    if (receiver instanceof IfaceBox) {
      if (receiver.v === undefined || receiver.v === null) this.errorf(`nil pointer evaluating interface {}.${fieldName}`);
      iface = true;
      receiver = receiver.v;
    }
    const original = receiver;
    const hasArgs = site.args.length > 0 || final !== MISSING;
    if (receiver instanceof GoValue) {
      let isNil = false;
      if (receiver instanceof GoPointer) {
        if (receiver.elem === undefined) isNil = true;
        else receiver = receiver.elem;
      }
      if (receiver instanceof GoValue) {
        const method = receiver.type.methods?.get(fieldName);
        if (method) return this.call(dot, method, false, site, final, receiver);
        if (receiver instanceof GoStruct) {
          const fields = receiver.fields;
          if (hasOwn(fields, fieldName) || receiver.type.fields?.some((f) => f.name === fieldName)) {
            if (hasArgs) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
            return fields[fieldName];
          }
        } else if (receiver instanceof GoMap) {
          if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
          const entries = receiver.entries;
          return hasOwn(entries, fieldName) ? entries[fieldName] : zeroOf(receiver.type.elem);
        }
      }
      if (isNil) this.errorf(`nil pointer evaluating ${iface ? 'interface {}' : typeName(original)}.${fieldName}`);
    } else if (typeof receiver === 'object' && !Array.isArray(receiver)) {
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      const entries = receiver as Record<string, unknown>;
      return new IfaceBox(hasOwn(entries, fieldName) ? entries[fieldName] : undefined);
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${iface ? 'interface {}' : typeName(original)}`);
  }

  /** Go's evalCall: checks the argument count, evaluates the arguments, calls. */
  call(
    dot: unknown,
    fn: GoFunc | GoMethod,
    isBuiltin: boolean,
    site: CallSite,
    final: unknown,
    /** The receiver when `fn` is a method. */
    receiver?: unknown,
  ): unknown {
    const args = site.args;
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    let numFixed = args.length;
    if (fn.variadic) {
      numFixed = fn.params.length;
      if (numIn < numFixed) this.errorf(`wrong number of args for ${site.name}: want at least ${numFixed} got ${args.length}`);
    } else if (numIn !== fn.params.length) {
      this.errorf(`wrong number of args for ${site.name}: want ${fn.params.length} got ${numIn}`);
    }
    if (isBuiltin && (site.name === 'and' || site.name === 'or')) return this.andOr(dot, site, final);
    const argv: unknown[] = new Array<unknown>(numIn);
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv[i] = (args[i] as ArgCode)(this, dot, fn.params[i] as GoType);
    if (fn.variadic) for (; i < args.length; i++) argv[i] = (args[i] as ArgCode)(this, dot, fn.variadic);
    if (final !== MISSING) {
      let t: GoType;
      if (fn.variadic) t = numIn - 1 < numFixed ? (fn.params[numIn - 1] as GoType) : fn.variadic;
      else t = fn.params[fn.params.length - 1] as GoType;
      argv[i] = this.validateType(final, t);
    }
    return this.invoke(fn, site.node, site.name, argv, receiver);
  }

  /** and/or evaluate their arguments only until the result is known. */
  private andOr(dot: unknown, site: CallSite, final: unknown): unknown {
    let v: unknown = undefined;
    for (const arg of site.args) {
      v = arg(this, dot, T.reflectValue);
      if (isTrue(unbox(v)) === (site.name === 'or')) return v;
    }
    if (final !== MISSING) v = this.validateType(final, T.reflectValue);
    return v;
  }

  private invoke(fn: GoFunc | GoMethod, node: Node | ArgNode | CommandNode, name: string, argv: unknown[], receiver: unknown): unknown {
    try {
      const result = receiver !== undefined ? (fn as GoMethod).call(receiver, argv, this) : (fn as GoFunc).call(argv, this);
      return fn.returnsInterface ? new IfaceBox(result) : result;
    } catch (e) {
      if (e instanceof ExecPanic && e.error.kind === 'limit') throw e;
      if (e instanceof TemplateError && e.kind === 'limit') throw new ExecPanic(e);
      this.node = node;
      const msg = e instanceof ExecPanic ? e.error.message : e instanceof Error ? e.message : String(e);
      this.errorf(`error calling ${name}: ${msg}`);
    }
  }

  // --- arguments ---

  validateType(value: unknown, typ: GoType | null): unknown {
    if (value instanceof IfaceBox) {
      if (typ === null || typ === T.reflectValue) return value;
      if (typ.kind === 'interface') return value.v;
      if (value.v === undefined || value.v === null) this.errorf(`wrong type for value; expected ${typ.name}; got interface {}`);
      value = value.v;
    }
    if (value === undefined || value === null) {
      if (typ === null) return undefined;
      if (canBeNil(typ)) return undefined;
      this.errorf(`invalid value; expected ${typ.name}`);
    }
    if (typ === null || typ === T.reflectValue) return value;
    if (!assignable(value, typ)) {
      if (value instanceof GoPointer && value.elem !== undefined && assignable(value.elem, typ)) return value.elem;
      if (value instanceof GoPointer && value.elem === undefined && value.type.elem && assignable(zeroOf(value.type.elem), typ)) {
        this.errorf(`dereference of nil pointer of type ${typ.name}`);
      }
      this.errorf(`wrong type for value; expected ${typ.name}; got ${typeName(value)}`);
    }
    return value;
  }

  nilArg(typ: GoType | null): unknown {
    if (typ === null || canBeNil(typ)) return undefined;
    this.errorf(`cannot assign nil to ${typ.name}`);
  }

  /** A constant argument (bool, number, string) for a parameter of type `typ`. */
  literalArg(n: ArgNode, typ: GoType | null, dot: unknown): unknown {
    if (typ === null) this.errorf(`can't handle ${nodeString(n)} for arg of type <nil>`);
    switch (typ.kind) {
      case 'bool':
        if (n.kind === 'bool') return n.value;
        this.errorf(`expected bool; found ${nodeString(n)}`);
      case 'float64':
        if (n.kind === 'number' && n.isFloat) return n.float64;
        this.errorf(`expected float; found ${nodeString(n)}`);
      case 'int':
        if (n.kind === 'number' && n.isInt) return typ.fromInt ? typ.fromInt(n.int64) : n.int64;
        this.errorf(`expected integer; found ${nodeString(n)}`);
      case 'interface':
        return this.evalEmptyInterface(dot, n);
      case 'string':
        if (n.kind === 'string') return n.text;
        this.errorf(`expected string; found ${nodeString(n)}`);
    }
    this.errorf(`can't handle ${nodeString(n)} for arg of type ${typ.name}`);
  }

  private evalEmptyInterface(dot: unknown, n: ArgNode): unknown {
    this.node = n;
    switch (n.kind) {
      case 'bool':
        return n.value;
      case 'dot':
        return unbox(dot);
      case 'number':
        return this.idealConstant(n);
      case 'string':
        return n.text;
    }
    this.errorf(`can't handle assignment of ${nodeString(n)} to empty interface argument`);
  }

  // --- output ---

  printValue(node: Node, v: unknown): void {
    this.node = node;
    if (typeof v === 'string') {
      this.write(v);
      return;
    }
    if (v instanceof GoPointer && v.elem !== undefined) v = v.elem;
    if (v === undefined || v === null) {
      this.write('<no value>');
      return;
    }
    if (kindOf(v) === 'func') this.errorf(`can't print ${nodeString(node)} of type ${typeName(v)}`);
    this.write(printOne(v));
  }
}

/** Executes `tree` from `set` with `data`, returning the output. Throws TemplateError. */
export function execute(set: TemplateSetLike, tree: Tree, data: unknown, now: Date | undefined, limits: Limits): string {
  const budget: Budget = { steps: 0, limits, now };
  return new State(set, tree.name, data, budget, 0).run(tree);
}
