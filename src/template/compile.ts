// The compiler: turns a parse tree into JavaScript closures once per tree, so that
// executing a template does no dispatch on node kinds, no re-reading of node
// fields and no argument-list copying. Each closure does exactly what Go's exec.go
// does for its node — including which node is current (`st.node`) at every point,
// since that is where errors and exceeded limits are reported.
import type { ArgNode, BranchNode, ChainNode, CommandNode, FieldNode, IdentifierNode, ListNode, Node, PipeNode, TemplateNode, VariableNode } from './ast.js';
import { nodeString } from './ast.js';
import type { FuncTable, State } from './exec.js';
import { intOf, printOne, sprint } from './format.js';
import type { Tree } from './parser.js';
import { quoteGo } from './quote.js';
import { GoMap, GoPointer, GoSlice, GoStruct, GoValue, IfaceBox, hasOwn, isTrue, kindOf, sortedKeys, unbox, zeroOf } from './values.js';
import type { GoFunc, GoMethod, GoType } from './values.js';

/** "No value yet": the final argument of a pipeline's first command. */
export const MISSING: unique symbol = Symbol('missing');

export const enum Flow {
  Normal,
  Break,
  Continue,
}

/** Executes a node (writing output); returns how control leaves it. */
export type NodeCode = (st: State, dot: unknown) => Flow;
type PipeCode = (st: State, dot: unknown) => unknown;
/** Evaluates a command; `final` is the previous command's value, or MISSING. */
type CmdCode = (st: State, dot: unknown, final: unknown) => unknown;
/** Evaluates an argument for a parameter of type `typ` (null: untyped). */
export type ArgCode = (st: State, dot: unknown, typ: GoType | null) => unknown;
/** Evaluates a field (or method) of `receiver`, or a chain of them. */
type FieldCode = (st: State, dot: unknown, receiver: unknown, final: unknown) => unknown;

/** A function, method or field reference together with its compiled arguments. */
export interface CallSite {
  /** Where "error calling" errors are reported. */
  readonly node: Node | ArgNode | CommandNode;
  readonly name: string;
  /** The arguments after the name itself. */
  readonly args: readonly ArgCode[];
}

// Trees are cached per template text (template.ts), so this compiles each text once.
const compiled = new WeakMap<Tree, NodeCode>();

/** The closure executing `tree`, compiled on first use. */
export function compileTree(tree: Tree): NodeCode {
  let code = compiled.get(tree);
  if (code === undefined) {
    code = compileList(tree.root);
    compiled.set(tree, code);
  }
  return code;
}

// --- nodes ---

function compileNode(n: Node): NodeCode {
  switch (n.kind) {
    case 'action':
      return compileAction(n.pipe, n);
    case 'break':
      return (st) => ((st.node = n), Flow.Break);
    case 'continue':
      return (st) => ((st.node = n), Flow.Continue);
    case 'comment':
      // Kept (not dropped) because the current node is where a later step limit is reported.
      return (st) => ((st.node = n), Flow.Normal);
    case 'if':
    case 'with':
      return compileIfOrWith(n);
    case 'list':
      return compileList(n);
    case 'range':
      return compileRange(n);
    case 'template':
      return compileTemplate(n);
    case 'text':
      return compileText(n.text, n);
  }
}

function compileText(text: string, n: Node): NodeCode {
  return (st) => {
    st.node = n;
    st.write(text);
    return Flow.Normal;
  };
}

/** A compiled list: text nodes are kept as their strings, the rest as closures. */
interface Block {
  readonly list: ListNode;
  readonly codes: readonly (string | NodeCode)[];
}

function compileBlock(list: ListNode): Block {
  return { list, codes: list.nodes.map((c) => (c.kind === 'text' ? c.text : compileNode(c))) };
}

/**
 * Runs a block. One plain function (not a closure per list) so that V8 can inline it
 * into the range/if/with closures, and text nodes — most of a list — are written
 * here instead of through a closure call each.
 */
function runBlock(st: State, dot: unknown, block: Block): Flow {
  st.node = block.list;
  const codes = block.codes;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i] as string | NodeCode;
    if (typeof c === 'string') {
      st.node = block.list.nodes[i] as Node;
      st.write(c);
      continue;
    }
    const f = c(st, dot);
    if (f !== Flow.Normal) return f;
  }
  return Flow.Normal;
}

function compileList(n: ListNode): NodeCode {
  const block = compileBlock(n);
  return (st, dot) => runBlock(st, dot, block);
}

function compileAction(p: PipeNode, n: Node): NodeCode {
  const field = fieldPipeOf(p);
  if (field) return compilePrintField(p, field, n);
  const only = p.cmds[0];
  if (p.cmds.length === 1 && only !== undefined && p.decl.length === 0) return compilePrint(p, compileCommand(only), n);
  const pipe = compilePipe(p);
  const print = p.decl.length === 0;
  return (st, dot) => {
    st.node = n;
    st.step();
    const val = pipe(st, dot);
    if (print) st.printValue(n, val);
    return Flow.Normal;
  };
}

/** {{ command }}: a common action, with its one-command pipeline inlined. */
function compilePrint(p: PipeNode, cmd: CmdCode, n: Node): NodeCode {
  return (st, dot) => {
    st.node = n;
    st.step();
    st.node = p;
    st.printValue(n, unbox(cmd(st, dot, MISSING)));
    return Flow.Normal;
  };
}

/** {{ .A.B }}: the commonest action, with its pipeline and command inlined. */
function compilePrintField(p: PipeNode, first: FieldNode, n: Node): NodeCode {
  const chain = compileFieldChain(first, first.ident, null);
  return (st, dot) => {
    st.node = n;
    st.step();
    st.node = p;
    st.step();
    st.node = first;
    st.printValue(n, unbox(chain(st, dot, dot, MISSING)));
    return Flow.Normal;
  };
}

/** The field node when `p` is just `.A.B` (one command, no arguments, no declarations). */
function fieldPipeOf(p: PipeNode): FieldNode | null {
  const cmd = p.cmds[0];
  if (p.cmds.length !== 1 || p.decl.length !== 0 || cmd === undefined || cmd.args.length !== 1) return null;
  const first = cmd.args[0];
  return first !== undefined && first.kind === 'field' ? first : null;
}

// Variables declared inside a block are dropped when it ends. On an exception the
// State is abandoned (run() rethrows), so no try/finally is needed to restore them.

function compileIfOrWith(n: BranchNode): NodeCode {
  const pipe = compilePipe(n.pipe);
  const list = compileBlock(n.list);
  const elseList = n.elseList ? compileBlock(n.elseList) : null;
  const isWith = n.kind === 'with';
  return (st, dot) => {
    st.node = n;
    st.step();
    const mark = st.vars.length;
    const val = pipe(st, dot);
    let flow = Flow.Normal;
    if (isTrue(val)) flow = runBlock(st, isWith ? val : dot, list);
    else if (elseList) flow = runBlock(st, dot, elseList);
    st.popVars(mark);
    return flow;
  };
}

function compileTemplate(t: TemplateNode): NodeCode {
  const pipe = t.pipe ? compilePipe(t.pipe) : null;
  return (st, dot) => {
    st.node = t;
    st.step();
    const tree = st.set.lookup(t.name);
    if (!tree) return st.errorf(`template ${quoteGo(t.name)} not defined`);
    st.checkDepth();
    const newDot = pipe ? pipe(st, dot) : undefined;
    st.enterTemplate(tree.name, compileTree(tree), newDot);
    return Flow.Normal;
  };
}

// --- range ---

interface Loop {
  readonly body: Block;
  /** How many variables the range declares (0, 1 = element, 2 = index and element). */
  readonly decl: number;
}

function compileRange(r: BranchNode): NodeCode {
  const pipe = compilePipe(r.pipe);
  const loop: Loop = { body: compileBlock(r.list), decl: r.pipe.decl.length };
  const elseList = r.elseList ? compileBlock(r.elseList) : null;
  return (st, dot) => {
    st.node = r;
    st.step();
    const outer = st.vars.length;
    let val = pipe(st, dot);
    if (val instanceof GoPointer && val.elem !== undefined) val = val.elem;
    if (!rangeOver(st, loop, val) && elseList) runBlock(st, dot, elseList);
    st.popVars(outer);
    return Flow.Normal;
  };
}

/** Runs the loop over `val`; false when there was nothing to iterate over. */
function rangeOver(st: State, loop: Loop, val: unknown): boolean {
  switch (kindOf(val)) {
    case 'slice':
      return rangeSlice(st, loop, val);
    case 'map':
      return rangeMap(st, loop, val);
    case 'int':
      return rangeInt(st, loop, val);
    case 'invalid':
      return false;
  }
  // Go reports this at the last node the pipeline evaluated.
  st.errorf(`range can't iterate over ${sprint([val])}`);
}

function rangeSlice(st: State, loop: Loop, val: unknown): boolean {
  const items = Array.isArray(val) ? (val as unknown[]) : (val as GoSlice).items;
  const iface = Array.isArray(val) || (val as GoSlice).type.elem?.kind === 'interface';
  const mark = st.vars.length;
  for (let i = 0; i < items.length; i++) {
    // The index is a Go int (bigint): only made when a variable receives it.
    const index = loop.decl > 1 ? BigInt(i) : undefined;
    if (!iterate(st, loop, mark, index, iface ? new IfaceBox(items[i]) : items[i])) break;
  }
  return items.length > 0;
}

function rangeMap(st: State, loop: Loop, val: unknown): boolean {
  const entries = val instanceof GoMap ? val.entries : (val as Record<string, unknown>);
  const iface = !(val instanceof GoMap) || val.type.elem?.kind === 'interface';
  const keys = sortedKeys(entries);
  const mark = st.vars.length;
  for (const k of keys) if (!iterate(st, loop, mark, k, iface ? new IfaceBox(entries[k]) : entries[k])) break;
  return keys.length > 0;
}

/** Go 1.22: range over an integer n yields 0..n-1. */
function rangeInt(st: State, loop: Loop, val: unknown): boolean {
  const n = intOf(val) ?? 0n;
  if (loop.decl > 1) st.errorf(`can't use ${printOne(val)} to iterate over more than one variable`);
  const mark = st.vars.length;
  for (let i = 0n; i < n; i++) if (!iterate(st, loop, mark, i, i)) break;
  return n > 0n;
}

/** One pass of a range body; false when the loop must stop ({{break}}). */
function iterate(st: State, loop: Loop, mark: number, index: unknown, elem: unknown): boolean {
  st.step();
  const vars = st.vars;
  if (loop.decl > 0) (vars[vars.length - 1] as { value: unknown }).value = elem;
  if (loop.decl > 1) (vars[vars.length - 2] as { value: unknown }).value = index;
  const f = runBlock(st, elem, loop.body);
  st.popVars(mark);
  return f !== Flow.Break;
}

// --- pipelines and commands ---

function compilePipe(pipe: PipeNode): PipeCode {
  const field = fieldPipeOf(pipe);
  if (field) return compileFieldPipe(pipe, field);
  const cmds = pipe.cmds.map(compileCommand);
  const decl = pipe.decl.map((v) => v.ident[0] as string);
  const only = cmds[0];
  if (cmds.length === 1 && only !== undefined && decl.length === 0) {
    return (st, dot) => {
      st.node = pipe;
      return unbox(only(st, dot, MISSING));
    };
  }
  return (st, dot) => {
    st.node = pipe;
    let value: unknown = MISSING;
    for (let i = 0; i < cmds.length; i++) value = unbox((cmds[i] as CmdCode)(st, dot, value));
    for (const name of decl) {
      if (pipe.isAssign) st.setVar(name, value);
      else st.vars.push({ name, value });
    }
    return value;
  };
}

/** A pipeline that is just `.A.B`, without the command closure. */
function compileFieldPipe(pipe: PipeNode, first: FieldNode): PipeCode {
  const chain = compileFieldChain(first, first.ident, null);
  return (st, dot) => {
    st.node = pipe;
    st.step();
    st.node = first;
    return unbox(chain(st, dot, dot, MISSING));
  };
}

// Every command counts one step before anything else; the common kinds (field
// chains, function calls, dot) count it themselves to save a closure call.
function compileCommand(cmd: CommandNode): CmdCode {
  const args = cmd.args;
  const first = args[0] as ArgNode;
  switch (first.kind) {
    case 'field': {
      const chain = compileFieldChain(first, first.ident, args);
      return (st, dot, final) => {
        st.step();
        st.node = first;
        return chain(st, dot, dot, final);
      };
    }
    case 'identifier':
      return compileFunction(first, cmd, args, true);
    case 'dot':
      return (st, dot, final) => {
        st.step();
        st.node = first;
        st.notAFunction(args, final);
        return dot;
      };
  }
  const code = compileOtherCommand(first, args);
  return (st, dot, final) => {
    st.step();
    return code(st, dot, final);
  };
}

function compileOtherCommand(first: ArgNode, args: readonly ArgNode[]): CmdCode {
  switch (first.kind) {
    case 'chain':
      return compileChain(first, args);
    case 'pipe': {
      const pipe = compilePipe(first);
      return (st, dot, final) => (st.notAFunction(args, final), pipe(st, dot));
    }
    case 'variable':
      return compileVariable(first, args);
  }
  const literal = compileLiteral(first);
  return (st, dot, final) => {
    st.node = first;
    st.notAFunction(args, final);
    return literal(st, dot);
  };
}

function compileLiteral(n: ArgNode): PipeCode {
  switch (n.kind) {
    case 'bool': {
      const v = n.value;
      return () => v;
    }
    case 'dot':
      return (_st, dot) => dot;
    case 'nil':
      return (st) => st.errorf('nil is not a command');
    case 'number':
      return (st) => st.idealConstant(n);
    case 'string': {
      const s = n.text;
      return () => s;
    }
  }
  throw new Error(`template: unexpected ${n.kind} command`);
}

function compileFieldNode(n: FieldNode, args: readonly ArgNode[] | null): CmdCode {
  const chain = compileFieldChain(n, n.ident, args);
  return (st, dot, final) => {
    st.node = n;
    return chain(st, dot, dot, final);
  };
}

function compileChain(n: ChainNode, args: readonly ArgNode[] | null): CmdCode {
  const head = compileArg(n.node);
  const fields = compileFieldChain(n, n.field, args);
  const isNil = n.node.kind === 'nil';
  return (st, dot, final) => {
    st.node = n;
    if (isNil) st.errorf(`indirection through explicit nil in ${nodeString(n)}`);
    return fields(st, dot, head(st, dot, null), final);
  };
}

function compileVariable(v: VariableNode, args: readonly ArgNode[] | null): CmdCode {
  const name = v.ident[0] as string;
  if (v.ident.length === 1) {
    const argNodes = args ?? [];
    return (st, _dot, final) => {
      st.node = v;
      const value = st.varValue(name);
      st.notAFunction(argNodes, final);
      return value;
    };
  }
  const fields = compileFieldChain(v, v.ident.slice(1), args);
  return (st, dot, final) => {
    st.node = v;
    return fields(st, dot, st.varValue(name), final);
  };
}

function compileFunction(id: IdentifierNode, errorNode: CommandNode | IdentifierNode, args: readonly ArgNode[] | null, isCommand: boolean): CmdCode {
  const site: CallSite = { node: errorNode, name: id.ident, args: compileArgs(args) };
  // Resolved once per function table (in practice there is one), not on every call.
  let table: FuncTable | undefined;
  let found: { fn: GoFunc; builtin: boolean } | undefined;
  return (st, dot, final) => {
    if (isCommand) st.step();
    st.node = id;
    const funcs = st.set.funcs;
    if (funcs !== table) {
      found = funcs.lookup(id.ident);
      table = funcs;
    }
    if (!found) return st.errorf(`${quoteGo(id.ident)} is not a defined function`);
    return st.call(dot, found.fn, found.builtin, site, final);
  };
}

/** The arguments after the first (the function or field itself). */
function compileArgs(args: readonly ArgNode[] | null): ArgCode[] {
  return args === null ? [] : args.slice(1).map(compileArg);
}

// --- fields ---

function compileFieldChain(node: FieldNode | ChainNode | VariableNode, ident: readonly string[], args: readonly ArgNode[] | null): FieldCode {
  const argCodes = compileArgs(args);
  const last = ident.length - 1;
  const steps = ident.map((name, i) => compileField({ node, name, args: i === last ? argCodes : [] }));
  const [a, b] = steps;
  if (steps.length === 1 && a !== undefined) return a;
  if (steps.length === 2 && a !== undefined && b !== undefined) {
    return (st, dot, receiver, final) => b(st, dot, a(st, dot, receiver, MISSING), final);
  }
  return (st, dot, receiver, final) => {
    for (let i = 0; i < last; i++) receiver = (steps[i] as FieldCode)(st, dot, receiver, MISSING);
    return (steps[last] as FieldCode)(st, dot, receiver, final);
  };
}

const enum Plan {
  /** Not learnt yet, or nothing to shortcut: Go's full rules (State.field). */
  None,
  /** A field the struct type declares. */
  Field,
  /** An entry of a map type without a method of that name. */
  Entry,
  /** A method of the type. */
  Method,
}

/**
 * One field name. Typed values (structs, KV maps, alerts) take a fast path keyed on
 * the last receiver type seen at this site: what State.field would do for that type
 * (read a declared field, read a map entry, call a method) is worked out once. Any
 * other receiver — pointers, interface boxes, plain data — goes through State.field.
 */
function compileField(site: CallSite): FieldCode {
  if (site.args.length > 0) return (st, dot, receiver, final) => st.field(dot, site, final, receiver);
  const name = site.name;
  let seen: unknown;
  let plan = Plan.None;
  let method: GoMethod | undefined;
  return (st, dot, receiver, final) => {
    if (final === MISSING && typeof receiver === 'object' && receiver !== null) {
      // Only GoValues carry a GoType; for anything else `type` is never `seen`, and the
      // class is checked again below anyway.
      const t = (receiver as { type?: unknown }).type;
      if (t === seen) {
        if (plan === Plan.Field && receiver instanceof GoStruct) return receiver.fields[name];
        if (plan === Plan.Entry && receiver instanceof GoMap) {
          return hasOwn(receiver.entries, name) ? receiver.entries[name] : zeroOf(receiver.type.elem);
        }
        if (plan === Plan.Method && method !== undefined && receiver instanceof GoValue && !(receiver instanceof GoPointer)) {
          return st.call(dot, method, false, site, MISSING, receiver);
        }
      } else if (receiver instanceof GoValue && !(receiver instanceof GoPointer)) {
        seen = t;
        method = receiver.type.methods?.get(name);
        plan = planFor(receiver, name, method);
      }
    }
    return st.field(dot, site, final, receiver);
  };
}

function planFor(v: GoValue, name: string, method: GoMethod | undefined): Plan {
  if (method !== undefined) return Plan.Method;
  if (v instanceof GoStruct) return v.type.fields?.some((f) => f.name === name) ? Plan.Field : Plan.None;
  if (v instanceof GoMap) return Plan.Entry;
  return Plan.None;
}

// --- arguments ---

function compileArg(n: ArgNode): ArgCode {
  switch (n.kind) {
    case 'dot':
      return (st, dot, typ) => ((st.node = n), st.validateType(dot, typ));
    case 'nil':
      return (st, _dot, typ) => ((st.node = n), st.nilArg(typ));
    case 'field': {
      const field = compileFieldNode(n, null);
      return (st, dot, typ) => ((st.node = n), st.validateType(field(st, dot, MISSING), typ));
    }
    case 'variable': {
      const variable = compileVariable(n, null);
      return (st, dot, typ) => ((st.node = n), st.validateType(variable(st, dot, MISSING), typ));
    }
    case 'pipe': {
      const pipe = compilePipe(n);
      return (st, dot, typ) => ((st.node = n), st.validateType(pipe(st, dot), typ));
    }
    case 'identifier': {
      const fn = compileFunction(n, n, null, false);
      return (st, dot, typ) => ((st.node = n), st.validateType(fn(st, dot, MISSING), typ));
    }
    case 'chain': {
      const chain = compileChain(n, null);
      return (st, dot, typ) => ((st.node = n), st.validateType(chain(st, dot, MISSING), typ));
    }
  }
  return (st, dot, typ) => ((st.node = n), st.literalArg(n, typ, dot));
}
