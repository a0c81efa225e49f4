// Parser for Go's text/template, a port of the structure of Go's text/template/parse
// (three-token lookahead included) so that accepted and rejected inputs, and the
// line each error is reported on, agree with Go.
import type {
  ArgNode,
  BranchNode,
  CommandNode,
  ListNode,
  Node,
  NumberNode,
  PipeNode,
  Source,
  TemplateNode,
  VariableNode,
} from './ast.js';
import { isEmptyTree, nodeString } from './ast.js';
import { TemplateError, locate } from './errors.js';
import { Item, ItemType, itemString, lex } from './lexer.js';
import { quoteGo, SyntaxError as QuoteSyntaxError, unquoteChar, unquoteGo } from './quote.js';

/** A parsed definition: Go's *parse.Tree. */
export interface Tree {
  readonly name: string;
  readonly root: ListNode;
  readonly src: Source;
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const UINT64_MAX = (1n << 64n) - 1n;

class ParseFailure {
  constructor(
    readonly message: string,
    readonly line: number,
    readonly pos: number,
  ) {}
}

interface EndMarker {
  readonly kind: 'end' | 'else';
  readonly pos: number;
  readonly line: number;
}

/** Go's strconv underscoreOK: underscores only between digits or after a base prefix. */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && /[bBoOxX]/.test(s[1] as string)) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i] as string;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** strconv.ParseInt/ParseUint with base 0; null when the text is not such an integer. */
function parseGoInteger(text: string): bigint | null {
  let s = text;
  let neg = false;
  if (s.startsWith('+') || s.startsWith('-')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s.length === 0) return null;
  let base = 10;
  let digits = s;
  if (s[0] === '0' && s.length > 1) {
    const p = (s[1] as string).toLowerCase();
    if (p === 'x') {
      base = 16;
      digits = s.slice(2);
    } else if (p === 'o') {
      base = 8;
      digits = s.slice(2);
    } else if (p === 'b') {
      base = 2;
      digits = s.slice(2);
    } else {
      base = 8;
      digits = s.slice(1);
    }
  }
  if (digits.includes('_')) {
    if (!underscoreOK(text)) return null;
    digits = digits.replace(/_/g, '');
  }
  if (digits.length === 0) return null;
  const valid = base === 16 ? /^[0-9a-fA-F]+$/ : base === 10 ? /^[0-9]+$/ : base === 8 ? /^[0-7]+$/ : /^[01]+$/;
  if (!valid.test(digits)) return null;
  const prefix = base === 16 ? '0x' : base === 8 ? '0o' : base === 2 ? '0b' : '';
  const v = BigInt(prefix + digits);
  return neg ? -v : v;
}

/** strconv.ParseFloat for the syntax the lexer lets through; null when invalid. */
function parseGoFloat(text: string): number | null {
  let s = text;
  if (s.includes('_')) {
    if (!underscoreOK(s)) return null;
    s = s.replace(/_/g, '');
  }
  let sign = 1;
  if (s.startsWith('+') || s.startsWith('-')) {
    sign = s[0] === '-' ? -1 : 1;
    s = s.slice(1);
  }
  const hexm = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)$/.exec(s);
  if (hexm) {
    const intPart = hexm[1] ?? '';
    const frac = hexm[2] ?? '';
    if (intPart.length + frac.length === 0) return null;
    let mant = 0;
    for (const c of intPart + frac) mant = mant * 16 + parseInt(c, 16);
    return sign * mant * Math.pow(2, Number(hexm[3]) - 4 * frac.length);
  }
  if (!/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(s)) return null;
  const v = Number(s);
  return Number.isNaN(v) ? null : sign * v;
}

class Parser {
  private items: Item[] = [];
  private itemIndex = 0;
  private readonly token: Item[] = [];
  private peekCount = 0;
  private vars: string[] = ['$'];
  private actionLine = 0;
  private rangeDepth = 0;

  constructor(
    private readonly src: Source,
    private readonly hasFunction: (name: string) => boolean,
    private readonly treeSet: Map<string, Tree>,
  ) {}

  run(): void {
    this.items = lex(this.src.text);
    const root = this.newList(this.peek().pos);
    while (this.peek().type !== ItemType.EOF) {
      if (this.peek().type === ItemType.LeftDelim) {
        const delim = this.next();
        if (this.nextNonSpace().type === ItemType.Define) {
          this.parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if ('kind' in n && (n.kind === 'end' || n.kind === 'else')) {
        this.errorf(`unexpected ${n.kind === 'end' ? '{{end}}' : '{{else}}'}`);
      }
      root.nodes.push(n as Node);
    }
    this.add(this.src.parseName, root);
  }

  // --- token stream, as Go's Tree.next/backup/peek ---

  private fetch(): Item {
    const it = this.items[this.itemIndex];
    if (it === undefined) return this.items[this.items.length - 1] as Item;
    this.itemIndex++;
    return it;
  }

  private next(): Item {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.fetch();
    return this.token[this.peekCount] as Item;
  }

  private backup(): void {
    this.peekCount++;
  }

  private backup2(t1: Item): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }

  private backup3(t2: Item, t1: Item): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }

  private peek(): Item {
    if (this.peekCount > 0) return this.token[this.peekCount - 1] as Item;
    this.peekCount = 1;
    this.token[0] = this.fetch();
    return this.token[0];
  }

  private nextNonSpace(): Item {
    let token: Item;
    for (;;) {
      token = this.next();
      if (token.type !== ItemType.Space) break;
    }
    return token;
  }

  private peekNonSpace(): Item {
    const token = this.nextNonSpace();
    this.backup();
    return token;
  }

  // --- errors ---

  private errorf(message: string): never {
    const t = this.token[0];
    throw new ParseFailure(message, t ? t.line : 1, t ? t.pos : 0);
  }

  private expect(expected: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.type !== expected) this.unexpected(token, context);
    return token;
  }

  private expectOneOf(e1: ItemType, e2: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.type !== e1 && token.type !== e2) this.unexpected(token, context);
    return token;
  }

  private unexpected(token: Item, context: string): never {
    if (token.type === ItemType.Error) {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.src.parseName}:${this.actionLine}`;
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${itemString(token)}${extra}`);
    }
    this.errorf(`unexpected ${itemString(token)} in ${context}`);
  }

  private unquote(lit: string): string {
    try {
      return unquoteGo(lit);
    } catch (e) {
      if (e instanceof QuoteSyntaxError) this.errorf(e.message);
      throw e;
    }
  }

  // --- structure ---

  private add(name: string, root: ListNode): void {
    const existing = this.treeSet.get(name);
    if (existing === undefined || isEmptyTree(existing.root)) {
      this.treeSet.set(name, { name, root, src: this.src });
      return;
    }
    if (!isEmptyTree(root)) this.errorf(`template: multiple definition of template ${quoteGo(name)}`);
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const nameTok = this.expectOneOf(ItemType.String, ItemType.RawString, context);
    const name = this.unquote(nameTok.val);
    this.expect(ItemType.RightDelim, context);
    const savedVars = this.vars;
    const savedRange = this.rangeDepth;
    this.vars = ['$'];
    this.rangeDepth = 0;
    const [root, end] = this.itemList();
    if (end.kind !== 'end') this.errorf(`unexpected ${markerString(end)} in ${context}`);
    this.add(name, root);
    this.vars = savedVars;
    this.rangeDepth = savedRange;
  }

  private itemList(): [ListNode, EndMarker] {
    const list = this.newList(this.peekNonSpace().pos);
    while (this.peekNonSpace().type !== ItemType.EOF) {
      const n = this.textOrAction();
      if ('kind' in n && (n.kind === 'end' || n.kind === 'else')) return [list, n as EndMarker];
      list.nodes.push(n as Node);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node | EndMarker {
    const token = this.nextNonSpace();
    switch (token.type) {
      case ItemType.Text:
        return { kind: 'text', pos: token.pos, src: this.src, text: token.val };
      case ItemType.LeftDelim: {
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      case ItemType.Comment:
        return { kind: 'comment', pos: token.pos, src: this.src, text: token.val };
      default:
        this.unexpected(token, 'input');
    }
  }

  private action(): Node | EndMarker {
    const token = this.nextNonSpace();
    switch (token.type) {
      case ItemType.Block:
        return this.blockControl();
      case ItemType.Break:
        return this.breakControl(token, 'break');
      case ItemType.Continue:
        return this.breakControl(token, 'continue');
      case ItemType.Else:
        return this.elseControl();
      case ItemType.End:
        return this.endControl();
      case ItemType.If:
        return this.branchControl('if', true);
      case ItemType.Range:
        return this.branchControl('range', false);
      case ItemType.Template:
        return this.templateControl();
      case ItemType.With:
        return this.branchControl('with', true);
    }
    this.backup();
    const t = this.peek();
    return { kind: 'action', pos: t.pos, src: this.src, line: t.line, pipe: this.pipeline('command', ItemType.RightDelim) };
  }

  private breakControl(tok: Item, kind: 'break' | 'continue'): Node {
    const token = this.nextNonSpace();
    if (token.type !== ItemType.RightDelim) this.unexpected(token, `{{${kind}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${kind}}} outside {{range}}`);
    return { kind, pos: tok.pos, src: this.src, line: tok.line };
  }

  private pipeline(context: string, end: ItemType): PipeNode {
    const token = this.peekNonSpace();
    const pipe: PipeNode = { kind: 'pipe', pos: token.pos, src: this.src, line: token.line, isAssign: false, decl: [], cmds: [] };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.type === ItemType.Variable) {
        this.next();
        const tokenAfterVariable = this.peek();
        const next = this.peekNonSpace();
        if (next.type === ItemType.Assign || next.type === ItemType.Declare) {
          pipe.isAssign = next.type === ItemType.Assign;
          this.nextNonSpace();
          pipe.decl.push(this.newVariable(v.pos, v.val));
          this.vars.push(v.val);
        } else if (next.type === ItemType.Char && next.val === ',') {
          this.nextNonSpace();
          pipe.decl.push(this.newVariable(v.pos, v.val));
          this.vars.push(v.val);
          if (context === 'range' && pipe.decl.length < 2) {
            const p = this.peekNonSpace().type;
            if (p === ItemType.Variable || p === ItemType.RightDelim || p === ItemType.RightParen) continue decls;
            this.errorf('range can only initialize variables');
          }
          this.errorf(`too many declarations in ${context}`);
        } else if (tokenAfterVariable.type === ItemType.Space) {
          this.backup3(v, tokenAfterVariable);
        } else {
          this.backup2(v);
        }
      }
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      switch (token.type) {
        case end:
          this.checkPipeline(pipe, context);
          return pipe;
        case ItemType.Bool:
        case ItemType.CharConstant:
        case ItemType.Complex:
        case ItemType.Dot:
        case ItemType.Field:
        case ItemType.Identifier:
        case ItemType.Number:
        case ItemType.Nil:
        case ItemType.RawString:
        case ItemType.String:
        case ItemType.Variable:
        case ItemType.LeftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    for (let i = 1; i < pipe.cmds.length; i++) {
      const first = (pipe.cmds[i] as CommandNode).args[0];
      switch (first?.kind) {
        case 'bool':
        case 'dot':
        case 'nil':
        case 'number':
        case 'string':
          this.errorf(`non executable command in pipeline stage ${i + 1}`);
      }
    }
  }

  private branchControl(kind: 'if' | 'range' | 'with', allowElseChain: boolean): BranchNode {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(kind, ItemType.RightDelim);
      if (kind === 'range') this.rangeDepth++;
      const [list, next] = this.itemList();
      if (kind === 'range') this.rangeDepth--;
      let elseList: ListNode | null = null;
      if (next.kind === 'else') {
        const peekType = this.peek().type;
        // `else if` (and, as in Go 1.23, `else with` inside a with) chains a nested branch.
        if (allowElseChain && ((kind === 'if' && peekType === ItemType.If) || (kind === 'with' && peekType === ItemType.With))) {
          this.next();
          elseList = this.newList(next.pos);
          elseList.nodes.push(this.branchControl(kind, true));
        } else {
          const [els, end] = this.itemList();
          if (end.kind !== 'end') this.errorf(`expected end; found ${markerString(end)}`);
          elseList = els;
        }
      }
      return { kind, pos: pipe.pos, src: this.src, line: pipe.line, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  private endControl(): EndMarker {
    const t = this.expect(ItemType.RightDelim, 'end');
    return { kind: 'end', pos: t.pos, line: t.line };
  }

  private elseControl(): EndMarker {
    const peek = this.peekNonSpace();
    if (peek.type === ItemType.If || peek.type === ItemType.With) return { kind: 'else', pos: peek.pos, line: peek.line };
    const t = this.expect(ItemType.RightDelim, 'else');
    return { kind: 'else', pos: t.pos, line: t.line };
  }

  private blockControl(): TemplateNode {
    const context = 'block clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    const pipe = this.pipeline(context, ItemType.RightDelim);
    // Go parses the body with a fresh tree, so the enclosing tree's last token is
    // still the one it reports an unterminated body on.
    const enclosingToken = this.token[0];
    const savedVars = this.vars;
    const savedRange = this.rangeDepth;
    this.vars = ['$'];
    this.rangeDepth = 0;
    const [root, end] = this.itemList();
    if (end.kind !== 'end') {
      if (enclosingToken) this.token[0] = enclosingToken;
      this.errorf(`unexpected ${markerString(end)} in ${context}`);
    }
    this.add(name, root);
    this.vars = savedVars;
    this.rangeDepth = savedRange;
    return { kind: 'template', pos: token.pos, src: this.src, line: token.line, name, pipe };
  }

  private templateControl(): TemplateNode {
    const context = 'template clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().type !== ItemType.RightDelim) {
      this.backup();
      pipe = this.pipeline(context, ItemType.RightDelim);
    }
    return { kind: 'template', pos: token.pos, src: this.src, line: token.line, name, pipe };
  }

  private parseTemplateName(token: Item, context: string): string {
    if (token.type === ItemType.String || token.type === ItemType.RawString) return this.unquote(token.val);
    this.unexpected(token, context);
  }

  private command(): CommandNode {
    const cmd: CommandNode = { kind: 'command', pos: this.peekNonSpace().pos, src: this.src, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== null) cmd.args.push(operand);
      const token = this.next();
      if (token.type === ItemType.Space) continue;
      if (token.type === ItemType.RightDelim || token.type === ItemType.RightParen) this.backup();
      else if (token.type !== ItemType.Pipe) this.unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | null {
    const node = this.term();
    if (node === null) return null;
    if (this.peek().type === ItemType.Field) {
      const pos = this.peek().pos;
      const fields: string[] = [];
      while (this.peek().type === ItemType.Field) fields.push(this.next().val.slice(1));
      switch (node.kind) {
        case 'field':
          return { kind: 'field', pos, src: this.src, ident: [...node.ident, ...fields] };
        case 'variable':
          return { kind: 'variable', pos, src: this.src, ident: [...node.ident, ...fields] };
        case 'bool':
        case 'string':
        case 'number':
        case 'nil':
        case 'dot':
          this.errorf(`unexpected . after term ${quoteGo(nodeString(node))}`);
        default:
          return { kind: 'chain', pos, src: this.src, node, field: fields };
      }
    }
    return node;
  }

  private term(): ArgNode | null {
    const token = this.nextNonSpace();
    switch (token.type) {
      case ItemType.Identifier:
        if (!this.hasFunction(token.val)) this.errorf(`function ${quoteGo(token.val)} not defined`);
        return { kind: 'identifier', pos: token.pos, src: this.src, ident: token.val };
      case ItemType.Dot:
        return { kind: 'dot', pos: token.pos, src: this.src };
      case ItemType.Nil:
        return { kind: 'nil', pos: token.pos, src: this.src };
      case ItemType.Variable:
        return this.useVar(token.pos, token.val);
      case ItemType.Field:
        return { kind: 'field', pos: token.pos, src: this.src, ident: token.val.slice(1).split('.') };
      case ItemType.Bool:
        return { kind: 'bool', pos: token.pos, src: this.src, value: token.val === 'true' };
      case ItemType.CharConstant:
      case ItemType.Complex:
      case ItemType.Number:
        return this.newNumber(token);
      case ItemType.LeftParen:
        return this.pipeline('parenthesized pipeline', ItemType.RightParen);
      case ItemType.String:
      case ItemType.RawString:
        return { kind: 'string', pos: token.pos, src: this.src, quoted: token.val, text: this.unquote(token.val) };
    }
    this.backup();
    return null;
  }

  private useVar(pos: number, name: string): VariableNode {
    const v = this.newVariable(pos, name);
    if (!this.vars.includes(v.ident[0] as string)) this.errorf(`undefined variable ${quoteGo(v.ident[0] as string)}`);
    return v;
  }

  private newVariable(pos: number, ident: string): VariableNode {
    return { kind: 'variable', pos, src: this.src, ident: ident.split('.') };
  }

  private newList(pos: number): ListNode {
    return { kind: 'list', pos, src: this.src, nodes: [] };
  }

  private newNumber(token: Item): NumberNode {
    const text = token.val;
    const base = { kind: 'number' as const, pos: token.pos, src: this.src, text };
    if (token.type === ItemType.CharConstant) {
      let r: { value: number; tail: string };
      try {
        r = unquoteChar(text.slice(1), "'");
      } catch (e) {
        if (e instanceof QuoteSyntaxError) this.errorf(e.message);
        throw e;
      }
      if (r.tail !== "'") this.errorf(`malformed character constant: ${text}`);
      const v = BigInt(r.value);
      return { ...base, isInt: true, isUint: true, isFloat: true, isComplex: false, int64: v, uint64: v, float64: r.value };
    }
    if (token.type === ItemType.Complex || text.endsWith('i')) {
      this.errorf(`complex numbers are not supported: ${quoteGo(text)}`);
    }
    let isInt = false;
    let isUint = false;
    let isFloat = false;
    let int64 = 0n;
    let uint64 = 0n;
    let float64 = 0;
    const i = parseGoInteger(text);
    if (i !== null) {
      if (i >= 0n && i <= UINT64_MAX && !text.startsWith('-')) {
        isUint = true;
        uint64 = i;
      }
      if (i >= INT64_MIN && i <= INT64_MAX) {
        isInt = true;
        int64 = i;
        if (i === 0n) isUint = true;
      }
    }
    if (isInt) {
      isFloat = true;
      float64 = Number(int64);
    } else if (isUint) {
      isFloat = true;
      float64 = Number(uint64);
    } else {
      const f = parseGoFloat(text);
      if (f !== null && Number.isFinite(f)) {
        if (!/[.eEpP]/.test(text)) this.errorf(`integer overflow: ${quoteGo(text)}`);
        isFloat = true;
        float64 = f;
        if (Number.isInteger(f) && f >= -9223372036854775808 && f < 9223372036854775808) {
          isInt = true;
          int64 = BigInt(f);
        }
        if (Number.isInteger(f) && f >= 0 && f < 18446744073709551616) {
          isUint = true;
          uint64 = BigInt(f);
        }
      } else if (f !== null) {
        // Go's ParseFloat reports out-of-range values as an error.
        this.errorf(`illegal number syntax: ${quoteGo(text)}`);
      }
    }
    if (!isInt && !isUint && !isFloat) this.errorf(`illegal number syntax: ${quoteGo(text)}`);
    return { ...base, isInt, isUint, isFloat, isComplex: false, int64, uint64, float64 };
  }
}

function markerString(m: EndMarker): string {
  return m.kind === 'end' ? '{{end}}' : '{{else}}';
}

/**
 * Parses one template text, adding every definition it holds to `treeSet`
 * (Go's parse.Parse). The text itself becomes the tree named `name`.
 * Throws TemplateError (kind "parse").
 */
export function parseInto(
  name: string,
  text: string,
  hasFunction: (fn: string) => boolean,
  treeSet: Map<string, Tree>,
): void {
  const src: Source = { parseName: name, text };
  const parser = new Parser(src, hasFunction, treeSet);
  try {
    parser.run();
  } catch (e) {
    if (e instanceof ParseFailure) {
      const { column } = locate(text, e.pos);
      const goMessage = `template: ${name}:${e.line}: ${e.message}`;
      throw new TemplateError('parse', `template: ${name}:${e.line}:${column}: ${e.message}`, name, e.line, column, goMessage);
    }
    throw e;
  }
}
