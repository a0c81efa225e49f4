// Parse tree of a template, shaped like Go's text/template/parse nodes so that the
// executor can follow Go's evaluation rules and print nodes in error messages the
// way Go does.
import { quoteGo } from './quote.js';

/** The text a node was parsed from, for error locations (Go's Tree.ParseName / text). */
export interface Source {
  readonly parseName: string;
  readonly text: string;
}

interface Base {
  readonly pos: number;
  readonly src: Source;
}

export interface ListNode extends Base {
  readonly kind: 'list';
  readonly nodes: Node[];
}
export interface TextNode extends Base {
  readonly kind: 'text';
  readonly text: string;
}
export interface CommentNode extends Base {
  readonly kind: 'comment';
  readonly text: string;
}
export interface ActionNode extends Base {
  readonly kind: 'action';
  readonly line: number;
  readonly pipe: PipeNode;
}
export interface BranchNode extends Base {
  readonly kind: 'if' | 'range' | 'with';
  readonly line: number;
  readonly pipe: PipeNode;
  readonly list: ListNode;
  readonly elseList: ListNode | null;
}
export interface TemplateNode extends Base {
  readonly kind: 'template';
  readonly line: number;
  readonly name: string;
  readonly pipe: PipeNode | null;
}
export interface BreakNode extends Base {
  readonly kind: 'break' | 'continue';
  readonly line: number;
}
export interface PipeNode extends Base {
  readonly kind: 'pipe';
  readonly line: number;
  isAssign: boolean;
  readonly decl: VariableNode[];
  readonly cmds: CommandNode[];
}
export interface CommandNode extends Base {
  readonly kind: 'command';
  readonly args: ArgNode[];
}
export interface IdentifierNode extends Base {
  readonly kind: 'identifier';
  readonly ident: string;
}
export interface VariableNode extends Base {
  readonly kind: 'variable';
  readonly ident: string[];
}
export interface DotNode extends Base {
  readonly kind: 'dot';
}
export interface NilNode extends Base {
  readonly kind: 'nil';
}
export interface FieldNode extends Base {
  readonly kind: 'field';
  readonly ident: string[];
}
export interface ChainNode extends Base {
  readonly kind: 'chain';
  readonly node: ArgNode;
  readonly field: string[];
}
export interface BoolNode extends Base {
  readonly kind: 'bool';
  readonly value: boolean;
}
export interface NumberNode extends Base {
  readonly kind: 'number';
  readonly text: string;
  readonly isInt: boolean;
  readonly isUint: boolean;
  readonly isFloat: boolean;
  readonly isComplex: boolean;
  readonly int64: bigint;
  readonly uint64: bigint;
  readonly float64: number;
}
export interface StringNode extends Base {
  readonly kind: 'string';
  readonly quoted: string;
  readonly text: string;
}

export type ArgNode =
  | IdentifierNode
  | VariableNode
  | DotNode
  | NilNode
  | FieldNode
  | ChainNode
  | BoolNode
  | NumberNode
  | StringNode
  | PipeNode;

export type Node = ListNode | TextNode | CommentNode | ActionNode | BranchNode | TemplateNode | BreakNode;

/** Go's Node.String(): how a node appears in "executing ... at <...>" messages. */
export function nodeString(n: Node | ArgNode | CommandNode): string {
  switch (n.kind) {
    case 'list':
      return n.nodes.map(nodeString).join('');
    case 'text':
      return n.text;
    case 'comment':
      return `{{${n.text}}}`;
    case 'action':
      return `{{${nodeString(n.pipe)}}}`;
    case 'if':
    case 'range':
    case 'with': {
      let s = `{{${n.kind} ${nodeString(n.pipe)}}}${nodeString(n.list)}`;
      if (n.elseList) s += `{{else}}${nodeString(n.elseList)}`;
      return s + '{{end}}';
    }
    case 'template':
      return `{{template ${quoteGo(n.name)}${n.pipe ? ' ' + nodeString(n.pipe) : ''}}}`;
    case 'break':
      return '{{break}}';
    case 'continue':
      return '{{continue}}';
    case 'pipe': {
      let s = '';
      if (n.decl.length > 0) s = n.decl.map(nodeString).join(', ') + ' := ';
      return s + n.cmds.map(nodeString).join(' | ');
    }
    case 'command':
      return n.args.map((a) => (a.kind === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'identifier':
      return n.ident;
    case 'variable':
      return n.ident.join('.');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'field':
      return n.ident.map((id) => '.' + id).join('');
    case 'chain': {
      const head = n.node.kind === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node);
      return head + n.field.map((f) => '.' + f).join('');
    }
    case 'bool':
      return n.value ? 'true' : 'false';
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
  }
}

/** Go's parse.IsEmptyTree: a definition made only of blanks and comments. */
export function isEmptyTree(n: Node | null): boolean {
  if (n === null) return true;
  switch (n.kind) {
    case 'comment':
      return true;
    case 'list':
      return n.nodes.every(isEmptyTree);
    case 'text':
      return n.text.trim().length === 0 || /^[\s]*$/.test(n.text);
    default:
      return false;
  }
}
