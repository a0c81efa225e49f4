// The executor: walks parse trees over template data following Go's text/template
// evaluation rules (exec.go), with "missingkey=zero" as Alertmanager and Grafana set
// it, and with limits on output size, steps and template call depth.
import type { ArgNode, BranchNode, CommandNode, FieldNode, IdentifierNode, ChainNode, Node, NumberNode, PipeNode, TemplateNode, VariableNode } from './ast.js';
import { nodeString } from './ast.js';
import { TemplateError, locate } from './errors.js';
import { intOf, printOne, sprint } from './format.js';
import { quoteGo } from './quote.js';
import type { Tree } from './parser.js';
import {
  FuncError,
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
  sortedKeys,
  typeName,
  typeOf,
  zeroOf,
} from './values.js';
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

const MISSING: unique symbol = Symbol('missing');
type Final = unknown;

const enum Flow {
  Normal,
  Break,
  Continue,
}

class ExecPanic {
  constructor(readonly error: TemplateError) {}
}

interface Budget {
  steps: number;
  readonly limits: Limits;
  readonly now: Date | undefined;
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

export class State implements CallContext {
  private out = '';
  private vars: { name: string; value: unknown }[];
  private node: Node | ArgNode | CommandNode | null = null;

  constructor(
    private readonly set: TemplateSetLike,
    private tmplName: string,
    dot: unknown,
    private readonly budget: Budget,
    private depth: number,
  ) {
    this.vars = [{ name: '$', value: dot }];
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
    if (this.depth + 1 >= this.budget.limits.maxCallDepth) {
      this.limit(`exceeded maximum template depth (${this.budget.limits.maxCallDepth})`);
    }
    const st = new State(set, tree.name, data, this.budget, this.depth + 1);
    return st.run(tree);
  }

  // --- entry ---

  run(tree: Tree): string {
    try {
      this.walk(this.vars[0]?.value, tree.root);
    } catch (e) {
      if (e instanceof ExecPanic) throw e.error;
      if (e instanceof RangeError && /call stack/i.test(e.message)) {
        throw new TemplateError('limit', `template: ${this.tmplName}: exceeded maximum template depth (call stack exhausted)`, this.tmplName, 0, 0);
      }
      throw e;
    }
    return this.out;
  }

  // --- errors ---

  private errorf(message: string): never {
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

  private step(): void {
    if (++this.budget.steps > this.budget.limits.maxSteps) {
      this.limit(`exceeded the limit of ${this.budget.limits.maxSteps} evaluation steps`);
    }
  }

  private write(s: string): void {
    this.out += s;
    if (this.out.length > this.budget.limits.maxOutputSize) {
      this.limit(`output exceeds the limit of ${this.budget.limits.maxOutputSize} characters`);
    }
  }

  // --- variables ---

  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as { name: string; value: unknown };
      if (v.name === name) {
        v.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as { name: string; value: unknown };
      if (v.name === name) return v.value;
    }
    this.errorf(`undefined variable: ${name}`);
  }

  // --- walking ---

  private walk(dot: unknown, node: Node): Flow {
    this.node = node;
    switch (node.kind) {
      case 'action': {
        this.step();
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return Flow.Normal;
      }
      case 'break':
        return Flow.Break;
      case 'continue':
        return Flow.Continue;
      case 'comment':
        return Flow.Normal;
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, node);
      case 'list':
        for (const n of node.nodes) {
          const f = this.walk(dot, n);
          if (f !== Flow.Normal) return f;
        }
        return Flow.Normal;
      case 'range':
        this.walkRange(dot, node);
        return Flow.Normal;
      case 'template':
        this.walkTemplate(dot, node);
        return Flow.Normal;
      case 'text':
        this.write(node.text);
        return Flow.Normal;
    }
  }

  private walkIfOrWith(dot: unknown, node: BranchNode): Flow {
    this.step();
    const mark = this.vars.length;
    try {
      const val = this.evalPipeline(dot, node.pipe);
      if (isTrue(val)) return this.walk(node.kind === 'with' ? val : dot, node.list);
      if (node.elseList) return this.walk(dot, node.elseList);
      return Flow.Normal;
    } finally {
      if (this.vars.length !== mark) this.vars.length = mark;
    }
  }

  private walkRange(dot: unknown, r: BranchNode): void {
    this.step();
    this.node = r;
    const outer = this.vars.length;
    try {
      let val = this.evalPipeline(dot, r.pipe);
      if (val instanceof GoPointer && val.elem !== undefined) val = val.elem;
      const mark = this.vars.length;
      const decl = r.pipe.decl.length;
      const kind = kindOf(val);
      let ran = false;
      if (kind === 'slice') {
        const items = Array.isArray(val) ? (val as unknown[]) : (val as GoSlice).items;
        const iface = Array.isArray(val) || (val as GoSlice).type.elem?.kind === 'interface';
        if (items.length > 0) {
          ran = true;
          for (let i = 0; i < items.length; i++) if (!this.iterate(r, mark, decl, BigInt(i), iface ? new IfaceBox(items[i]) : items[i])) break;
        }
      } else if (kind === 'map') {
        const entries = val instanceof GoMap ? val.entries : (val as Record<string, unknown>);
        const iface = !(val instanceof GoMap) || val.type.elem?.kind === 'interface';
        const keys = sortedKeys(entries);
        if (keys.length > 0) {
          ran = true;
          for (const k of keys) if (!this.iterate(r, mark, decl, k, iface ? new IfaceBox(entries[k]) : entries[k])) break;
        }
      } else if (kind === 'int') {
        // Go 1.22: range over an integer n yields 0..n-1.
        const n = intOf(val) ?? 0n;
        if (decl > 1) {
          this.errorf(`can't use ${printOne(val)} to iterate over more than one variable`);
        }
        if (n > 0n) {
          ran = true;
          for (let i = 0n; i < n; i++) if (!this.iterate(r, mark, decl, i, i)) break;
        }
      } else if (kind !== 'invalid') {
        // Go reports this at the last node the pipeline evaluated.
        this.errorf(`range can't iterate over ${sprint([val])}`);
      }
      if (!ran && r.elseList) this.walk(dot, r.elseList);
    } finally {
      if (this.vars.length !== outer) this.vars.length = outer;
    }
  }

  /** One pass of a range body; false when the loop must stop ({{break}}). */
  private iterate(r: BranchNode, mark: number, decl: number, index: unknown, elem: unknown): boolean {
    this.step();
    if (decl > 0) (this.vars[this.vars.length - 1] as { value: unknown }).value = elem;
    if (decl > 1) (this.vars[this.vars.length - 2] as { value: unknown }).value = index;
    const f = this.walk(elem, r.list);
    if (this.vars.length !== mark) this.vars.length = mark;
    return f !== Flow.Break;
  }

  private walkTemplate(dot: unknown, t: TemplateNode): void {
    this.step();
    this.node = t;
    const tree = this.set.lookup(t.name);
    if (!tree) this.errorf(`template ${quoteGo(t.name)} not defined`);
    if (this.depth + 1 >= this.budget.limits.maxCallDepth) {
      this.limit(`exceeded maximum template depth (${this.budget.limits.maxCallDepth})`);
    }
    const newDot = this.evalPipeline(dot, t.pipe);
    const savedVars = this.vars;
    const savedName = this.tmplName;
    this.vars = [{ name: '$', value: newDot }];
    this.tmplName = tree.name;
    this.depth++;
    try {
      this.walk(newDot, tree.root);
    } finally {
      this.depth--;
      this.vars = savedVars;
      this.tmplName = savedName;
    }
  }

  // --- pipelines and commands ---

  private evalPipeline(dot: unknown, pipe: PipeNode | null): unknown {
    if (pipe === null) return undefined;
    this.node = pipe;
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) value = unbox(this.evalCommand(dot, cmd, value));
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0] as string, value);
      else this.vars.push({ name: v.ident[0] as string, value });
    }
    return value;
  }

  private notAFunction(args: readonly ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING) {
      this.errorf(`can't give argument to non-function ${nodeString(args[0] as ArgNode)}`);
    }
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    this.step();
    const first = cmd.args[0] as ArgNode;
    switch (first.kind) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.node = first;
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
  }

  private idealConstant(c: NumberNode): unknown {
    this.node = c;
    if (c.isFloat && !isHexInt(c.text) && c.text[0] !== "'" && /[.eEpP]/.test(c.text)) return c.float64;
    if (c.isInt) return c.int64;
    if (c.isUint) this.errorf(`${c.text} overflows int`);
    return undefined;
  }

  private evalFieldNode(dot: unknown, field: FieldNode, args: readonly ArgNode[] | null, final: Final): unknown {
    this.node = field;
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: unknown, chain: ChainNode, args: readonly ArgNode[] | null, final: Final): unknown {
    this.node = chain;
    if (chain.node.kind === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, null, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: unknown, v: VariableNode, args: readonly ArgNode[] | null, final: Final): unknown {
    this.node = v;
    const value = this.varValue(v.ident[0] as string);
    if (v.ident.length === 1) {
      this.notAFunction(args ?? [], final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private evalFieldChain(
    dot: unknown,
    receiver: unknown,
    node: FieldNode | ChainNode | VariableNode,
    ident: readonly string[],
    args: readonly ArgNode[] | null,
    final: Final,
  ): unknown {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(dot, ident[i] as string, node, null, MISSING, receiver);
    return this.evalField(dot, ident[n - 1] as string, node, args, final, receiver);
  }

  private evalFunction(dot: unknown, node: IdentifierNode, cmd: CommandNode | IdentifierNode, args: readonly ArgNode[] | null, final: Final): unknown {
    this.node = node;
    const found = this.set.funcs.lookup(node.ident);
    if (!found) this.errorf(`${quoteGo(node.ident)} is not a defined function`);
    return this.evalCall(dot, found.fn, found.builtin, cmd, node.ident, args, final);
  }

  private evalField(
    dot: unknown,
    fieldName: string,
    node: FieldNode | ChainNode | VariableNode,
    args: readonly ArgNode[] | null,
    final: Final,
    receiver: unknown,
  ): unknown {
    if (receiver === undefined || receiver === null) return undefined;
    let iface = false;
    if (receiver instanceof IfaceBox) {
      if (receiver.v === undefined || receiver.v === null) this.errorf(`nil pointer evaluating interface {}.${fieldName}`);
      iface = true;
      receiver = receiver.v;
    }
    const original = receiver;
    const hasArgs = (args !== null && args.length > 1) || final !== MISSING;
    if (receiver instanceof GoValue) {
      let isNil = false;
      if (receiver instanceof GoPointer) {
        if (receiver.elem === undefined) isNil = true;
        else receiver = receiver.elem;
      }
      if (receiver instanceof GoValue) {
        const method = receiver.type.methods?.get(fieldName);
        if (method) return this.evalCall(dot, method, false, node, fieldName, args, final, receiver);
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

  private evalCall(
    dot: unknown,
    fn: GoFunc | GoMethod,
    isBuiltin: boolean,
    node: Node | ArgNode | CommandNode,
    name: string,
    argNodes: readonly ArgNode[] | null,
    final: Final,
    /** The receiver when `fn` is a method. */
    receiver?: unknown,
  ): unknown {
    const args = argNodes === null ? [] : argNodes.slice(1);
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    let numFixed = args.length;
    if (fn.variadic) {
      numFixed = fn.params.length;
      if (numIn < numFixed) this.errorf(`wrong number of args for ${name}: want at least ${numFixed} got ${args.length}`);
    } else if (numIn !== fn.params.length) {
      this.errorf(`wrong number of args for ${name}: want ${fn.params.length} got ${numIn}`);
    }
    if (isBuiltin && (name === 'and' || name === 'or')) {
      let v: unknown = undefined;
      for (const arg of args) {
        v = this.evalArg(dot, T.reflectValue, arg);
        if (isTrue(unbox(v)) === (name === 'or')) return v;
      }
      if (final !== MISSING) v = this.validateType(final, T.reflectValue);
      return v;
    }
    const argv: unknown[] = new Array<unknown>(numIn);
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv[i] = this.evalArg(dot, fn.params[i] as GoType, args[i] as ArgNode);
    if (fn.variadic) for (; i < args.length; i++) argv[i] = this.evalArg(dot, fn.variadic, args[i] as ArgNode);
    if (final !== MISSING) {
      let t: GoType;
      if (fn.variadic) t = numIn - 1 < numFixed ? (fn.params[numIn - 1] as GoType) : fn.variadic;
      else t = fn.params[fn.params.length - 1] as GoType;
      argv[i] = this.validateType(final, t);
    }
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

  private validateType(value: unknown, typ: GoType | null): unknown {
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

  private evalArg(dot: unknown, typ: GoType | null, n: ArgNode): unknown {
    this.node = n;
    switch (n.kind) {
      case 'dot':
        return this.validateType(dot, typ);
      case 'nil':
        if (typ === null || canBeNil(typ)) return undefined;
        this.errorf(`cannot assign nil to ${typ.name}`);
      case 'field':
        return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), typ);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, n, null, MISSING), typ);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), typ);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, n, n, null, MISSING), typ);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, n, null, MISSING), typ);
    }
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

  private printValue(node: Node, v: unknown): void {
    this.node = node;
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
