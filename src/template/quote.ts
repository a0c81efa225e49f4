// Go's string literal rules (strconv.Quote / Unquote / UnquoteChar), needed both to
// read literals in templates and to print %q the way Go does.

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isPrintRune(r: number): boolean {
  if (r === 0x20) return true;
  if (r < 0x20 || r === 0x7f) return false;
  if (r < 0x7f) return true;
  if (r >= 0xd800 && r <= 0xdfff) return false;
  return printable.test(String.fromCodePoint(r));
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function escapeRune(r: number, quote: number, asciiOnly: boolean): string {
  if (r === quote || r === 0x5c) return '\\' + String.fromCodePoint(r);
  if (asciiOnly ? r < 0x80 && isPrintRune(r) : isPrintRune(r)) return String.fromCodePoint(r);
  switch (r) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return '\\x' + hex(r, 2);
  if (r >= 0xd800 && r <= 0xdfff) r = 0xfffd;
  if (r < 0x10000) return '\\u' + hex(r, 4);
  return '\\U' + hex(r, 8);
}

/** strconv.Quote (asciiOnly: strconv.QuoteToASCII, used by %+q). */
export function quoteGo(s: string, asciiOnly = false): string {
  let out = '"';
  for (const ch of s) out += escapeRune(ch.codePointAt(0) ?? 0xfffd, 0x22, asciiOnly);
  return out + '"';
}

/** strconv.QuoteRune, used by %q on integers. */
export function quoteRuneGo(r: number, asciiOnly = false): string {
  if (r < 0 || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  return "'" + escapeRune(r, 0x27, asciiOnly) + "'";
}

/** strconv.CanBackquote: what %#q prints with backquotes. */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const r = ch.codePointAt(0) ?? 0;
    if (r === 0xfeff) return false;
    if (r < 0x80) {
      if ((r < 0x20 && r !== 0x09) || r === 0x60 || r === 0x7f) return false;
    } else if (r === 0xfffd) {
      return false;
    }
  }
  return true;
}

/** fmt's %#U: U+0041 'A'. */
export function formatRuneU(r: number): string {
  const code = 'U+' + r.toString(16).toUpperCase().padStart(4, '0');
  if (r >= 0 && isPrintRune(r)) return `${code} '${String.fromCodePoint(r)}'`;
  return code;
}

export class SyntaxError extends Error {
  constructor() {
    super('invalid syntax');
  }
}

function unhex(c: string): number {
  const n = parseInt(c, 16);
  return Number.isNaN(n) ? -1 : n;
}

/**
 * strconv.UnquoteChar: decodes the first character or escape of s.
 * Returns the rune, whether it must be written as a single byte (\x, octal escapes),
 * and the rest of the string.
 */
export function unquoteChar(s: string, quote: string): { value: number; byte: boolean; tail: string } {
  const c = s.codePointAt(0);
  if (c === undefined) throw new SyntaxError();
  const first = String.fromCodePoint(c);
  if (first === quote && (quote === "'" || quote === '"')) throw new SyntaxError();
  if (c !== 0x5c) return { value: c, byte: false, tail: s.slice(first.length) };
  if (s.length <= 1) throw new SyntaxError();
  const e = s[1] as string;
  let tail = s.slice(2);
  switch (e) {
    case 'a':
      return { value: 7, byte: false, tail };
    case 'b':
      return { value: 8, byte: false, tail };
    case 'f':
      return { value: 12, byte: false, tail };
    case 'n':
      return { value: 10, byte: false, tail };
    case 'r':
      return { value: 13, byte: false, tail };
    case 't':
      return { value: 9, byte: false, tail };
    case 'v':
      return { value: 11, byte: false, tail };
    case 'x':
    case 'u':
    case 'U': {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      if (tail.length < n) throw new SyntaxError();
      let v = 0;
      for (let j = 0; j < n; j++) {
        const x = unhex(tail[j] as string);
        if (x < 0) throw new SyntaxError();
        v = v * 16 + x;
      }
      tail = tail.slice(n);
      if (e === 'x') return { value: v, byte: true, tail };
      if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new SyntaxError();
      return { value: v, byte: false, tail };
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
      let v = e.charCodeAt(0) - 0x30;
      if (tail.length < 2) throw new SyntaxError();
      for (let j = 0; j < 2; j++) {
        const x = tail.charCodeAt(j) - 0x30;
        if (x < 0 || x > 7) throw new SyntaxError();
        v = v * 8 + x;
      }
      if (v > 255) throw new SyntaxError();
      return { value: v, byte: true, tail: tail.slice(2) };
    }
    case '\\':
      return { value: 0x5c, byte: false, tail };
    case "'":
    case '"':
      if (e !== quote) throw new SyntaxError();
      return { value: e.charCodeAt(0), byte: false, tail };
    default:
      throw new SyntaxError();
  }
}

/**
 * strconv.Unquote for "..." and `...` literals. Byte escapes (\xNN, \NNN) are
 * decoded as UTF-8 when they form valid sequences; otherwise each byte becomes
 * U+FFFD, the closest a JavaScript string can come to Go's raw bytes.
 */
export function unquoteGo(lit: string): string {
  if (lit.length < 2) throw new SyntaxError();
  const q = lit[0];
  if (q !== lit[lit.length - 1]) throw new SyntaxError();
  const body = lit.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) throw new SyntaxError();
    return body.replace(/\r/g, '');
  }
  if (q !== '"') throw new SyntaxError();
  if (body.includes('\n')) throw new SyntaxError();
  if (!body.includes('\\') && !body.includes('"')) return body;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  let s = body;
  while (s.length > 0) {
    const { value, byte, tail } = unquoteChar(s, '"');
    s = tail;
    if (byte) bytes.push(value);
    else for (const b of encoder.encode(String.fromCodePoint(value))) bytes.push(b);
  }
  return new TextDecoder('utf-8').decode(new Uint8Array(bytes));
}
