// Go's fmt package as templates reach it: print, println, printf and the printing of
// action results. Verbs %v %+v %T %s %q %x %X %d %b %o %O %c %U %e %E %f %F %g %G %t
// and %%, with flags, width, precision, * and [n] argument indexes; Go's error
// notations (%!d(string=x), %!(EXTRA ...), %!v(MISSING)) included.
import { canBackquote, isPrintRune, quoteGo, quoteRuneGo } from './quote.js';
import { GoMap, GoPointer, GoSlice, GoStruct, GoValue, isPlainObject, kindOf, sortedKeys, typeName } from './values.js';

// ---------------------------------------------------------------------------
// Exact decimal conversion of doubles, so rounding is Go's (round half to even on
// the exact binary value), not JavaScript's toFixed/toPrecision.

interface Decimal {
  /** Significant digits without leading or trailing zeros ("" for zero). */
  d: string;
  /** Position of the decimal point relative to the start of d. */
  dp: number;
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

function exactDecimal(x: number): Decimal {
  if (x === 0) return { d: '', dp: 0 };
  f64[0] = Math.abs(x);
  const bits = u64[0] as bigint;
  const exp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e: number;
  if (exp === 0) {
    e = -1074;
  } else {
    mant |= 1n << 52n;
    e = exp - 1075;
  }
  let digits: string;
  let dp: number;
  if (e >= 0) {
    digits = (mant << BigInt(e)).toString();
    dp = digits.length;
  } else {
    const k = -e;
    digits = (mant * 5n ** BigInt(k)).toString();
    dp = digits.length - k;
  }
  return trimDecimal({ d: digits, dp });
}

function trimDecimal(x: Decimal): Decimal {
  let d = x.d;
  let lead = 0;
  while (lead < d.length && d[lead] === '0') lead++;
  d = d.slice(lead);
  let end = d.length;
  while (end > 0 && d[end - 1] === '0') end--;
  d = d.slice(0, end);
  return { d, dp: d.length === 0 ? 0 : x.dp - lead };
}

/** Shortest digits that read back as x (what Go's strconv uses with precision -1). */
function shortestDecimal(x: number): Decimal {
  if (x === 0) return { d: '', dp: 0 };
  const s = Math.abs(x).toExponential();
  const ePos = s.indexOf('e');
  const mant = s.slice(0, ePos).replace('.', '');
  const exp = Number(s.slice(ePos + 1));
  return trimDecimal({ d: mant, dp: exp + 1 });
}

function shouldRoundUp(a: Decimal, nd: number): boolean {
  const c = a.d.charCodeAt(nd);
  if (c === 0x35 && nd + 1 === a.d.length) {
    return nd > 0 && (a.d.charCodeAt(nd - 1) - 0x30) % 2 === 1;
  }
  return c >= 0x35;
}

function roundDecimal(a: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= a.d.length) return a;
  if (shouldRoundUp(a, nd)) {
    let i = nd - 1;
    while (i >= 0 && a.d[i] === '9') i--;
    if (i < 0) return { d: '1', dp: a.dp + 1 };
    return { d: a.d.slice(0, i) + String.fromCharCode(a.d.charCodeAt(i) + 1), dp: a.dp };
  }
  return trimDecimal({ d: a.d.slice(0, nd), dp: a.dp });
}

function fmtE(neg: boolean, d: Decimal, prec: number, fmt: string): string {
  let s = neg ? '-' : '';
  s += d.d.length === 0 ? '0' : (d.d[0] as string);
  if (prec > 0) {
    s += '.';
    let i = 1;
    const m = Math.min(d.d.length, prec + 1);
    if (i < m) {
      s += d.d.slice(i, m);
      i = m;
    }
    for (; i <= prec; i++) s += '0';
  }
  s += fmt;
  let exp = d.dp - 1;
  if (d.d.length === 0) exp = 0;
  s += exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  s += exp < 10 ? '0' + String(exp) : String(exp);
  return s;
}

function fmtF(neg: boolean, d: Decimal, prec: number): string {
  let s = neg ? '-' : '';
  if (d.dp > 0) {
    const m = Math.min(d.d.length, d.dp);
    s += d.d.slice(0, m);
    for (let i = m; i < d.dp; i++) s += '0';
  } else {
    s += '0';
  }
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) {
      const j = d.dp + i - 1;
      s += j >= 0 && j < d.d.length ? (d.d[j] as string) : '0';
    }
  }
  return s;
}

/** strconv.FormatFloat(x, fmt, prec, 64) for fmt in e, E, f, g, G. */
export function formatFloat(x: number, fmt: string, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const shortest = prec < 0;
  let d: Decimal;
  if (shortest) {
    d = shortestDecimal(x);
    switch (fmt) {
      case 'e':
      case 'E':
        prec = Math.max(d.d.length - 1, 0);
        break;
      case 'f':
        prec = Math.max(d.d.length - d.dp, 0);
        break;
      case 'g':
      case 'G':
        prec = d.d.length;
        break;
    }
  } else {
    d = exactDecimal(x);
    switch (fmt) {
      case 'e':
      case 'E':
        d = roundDecimal(d, prec + 1);
        break;
      case 'f':
        d = roundDecimal(d, d.dp + prec);
        break;
      case 'g':
      case 'G':
        if (prec === 0) prec = 1;
        d = roundDecimal(d, prec);
        break;
    }
  }
  switch (fmt) {
    case 'e':
    case 'E':
      return fmtE(neg, d, prec, fmt);
    case 'f':
      return fmtF(neg, d, prec);
    default: {
      let eprec = prec;
      if (eprec > d.d.length && d.d.length >= d.dp) eprec = d.d.length;
      if (shortest) eprec = 6;
      const exp = d.dp - 1;
      if (exp < -4 || exp >= eprec) {
        if (prec > d.d.length) prec = d.d.length;
        return fmtE(neg, d, prec - 1, fmt === 'g' ? 'e' : 'E');
      }
      if (prec > d.dp) prec = d.d.length;
      return fmtF(neg, d, Math.max(prec - d.dp, 0));
    }
  }
}

// ---------------------------------------------------------------------------
// The printer.

function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

function utf8Bytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

const ldigits = '0123456789abcdefx';
const udigits = '0123456789ABCDEFX';

/** A value's String() method, if its type has one (fmt.Stringer). */
function stringerOf(v: unknown): (() => string) | undefined {
  if (v instanceof GoValue) {
    const m = v.type.methods?.get('String');
    if (m && m.params.length === 0 && !m.variadic) {
      return () => String(m.call(v, [], NO_CONTEXT));
    }
  }
  return undefined;
}

const NO_CONTEXT = {
  now: new Date(0),
  execTemplate: (): string => '',
  execInline: (): string => '',
};

/** Integer value of an int-kinded value (bigint, Duration, Month...). */
export function intOf(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (v instanceof GoValue && v.type.kind === 'int') return (v as unknown as { int: bigint }).int;
  return undefined;
}

class Printer {
  buf = '';
  // flags
  plus = false;
  minus = false;
  sharp = false;
  space = false;
  zero = false;
  plusV = false;
  sharpV = false;
  wid = 0;
  widPresent = false;
  prec = 0;
  precPresent = false;
  erroring = false;
  private arg: unknown = undefined;
  private argPresent = false;

  clearFlags(): void {
    this.plus = this.minus = this.sharp = this.space = this.zero = false;
    this.plusV = this.sharpV = false;
    this.wid = this.prec = 0;
    this.widPresent = this.precPresent = false;
  }

  writePadding(n: number): void {
    if (n <= 0) return;
    this.buf += (this.zero ? '0' : ' ').repeat(n);
  }

  pad(s: string): void {
    if (!this.widPresent || this.wid === 0) {
      this.buf += s;
      return;
    }
    const width = this.wid - runeCount(s);
    if (!this.minus) {
      this.writePadding(width);
      this.buf += s;
    } else {
      this.buf += s;
      this.writePadding(width);
    }
  }

  truncate(s: string): string {
    if (this.precPresent) {
      let n = this.prec;
      let i = 0;
      for (const ch of s) {
        n--;
        if (n < 0) return s.slice(0, i);
        i += ch.length;
      }
    }
    return s;
  }

  fmtBool(v: boolean, verb: string): void {
    if (verb === 't' || verb === 'v') this.pad(v ? 'true' : 'false');
    else this.badVerb(verb);
  }

  fmtInteger(v: bigint, base: number, verb: string, digits: string): void {
    const negative = v < 0n;
    let u = negative ? -v : v;
    if (this.precPresent && this.prec === 0 && u === 0n) {
      const oldZero = this.zero;
      this.zero = false;
      this.writePadding(this.wid);
      this.zero = oldZero;
      return;
    }
    let prec = 0;
    if (this.precPresent) {
      prec = this.prec;
    } else if (this.zero && this.widPresent) {
      prec = this.wid;
      if (negative || this.plus || this.space) prec--;
    }
    let s = '';
    if (u === 0n) s = '0';
    const b = BigInt(base);
    while (u > 0n) {
      s = (digits[Number(u % b)] as string) + s;
      u /= b;
    }
    while (s.length < prec) s = '0' + s;
    if (this.sharp) {
      if (base === 2) s = '0b' + s;
      else if (base === 8 && s[0] !== '0') s = '0' + s;
      else if (base === 16) s = '0' + (digits[16] as string) + s;
    }
    if (verb === 'O') s = '0o' + s;
    if (negative) s = '-' + s;
    else if (this.plus) s = '+' + s;
    else if (this.space) s = ' ' + s;
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }

  fmtIntVerb(v: bigint, verb: string): void {
    switch (verb) {
      case 'v':
      case 'd':
        this.fmtInteger(v, 10, verb, ldigits);
        return;
      case 'b':
        this.fmtInteger(v, 2, verb, ldigits);
        return;
      case 'o':
      case 'O':
        this.fmtInteger(v, 8, verb, ldigits);
        return;
      case 'x':
        this.fmtInteger(v, 16, verb, ldigits);
        return;
      case 'X':
        this.fmtInteger(v, 16, verb, udigits);
        return;
      case 'c': {
        const r = v < 0n || v > 0x10ffffn || (v >= 0xd800n && v <= 0xdfffn) ? 0xfffd : Number(v);
        this.pad(String.fromCodePoint(r));
        return;
      }
      case 'q': {
        const r = v < 0n || v > 0x10ffffn ? 0xfffd : Number(v);
        const q = this.sharp && r < 0x10000 && r !== 0x27 && r !== 0x60 && isPrintRune(r) ? "'" + String.fromCodePoint(r) + "'" : quoteRuneGo(r, this.plus);
        this.pad(q);
        return;
      }
      case 'U': {
        let s = 'U+' + (v < 0n ? (v + (1n << 64n)).toString(16) : v.toString(16)).toUpperCase().padStart(4, '0');
        if (this.precPresent && this.prec > 4) s = 'U+' + s.slice(2).padStart(this.prec, '0');
        if (this.sharp && v >= 0n && v <= 0x10ffffn && isPrintRune(Number(v))) s += " '" + String.fromCodePoint(Number(v)) + "'";
        const oldZero = this.zero;
        this.zero = false;
        this.pad(s);
        this.zero = oldZero;
        return;
      }
      default:
        this.badVerb(verb);
    }
  }

  fmtFloatNum(v: number, verb: string, prec: number): void {
    if (this.precPresent) prec = this.prec;
    let num = formatFloat(v, verb, prec);
    if (num[0] === '-' || num[0] === '+') {
      // keep
    } else {
      num = '+' + num;
    }
    if (this.space && num[0] === '+' && !this.plus) num = ' ' + num.slice(1);
    if (num[1] === 'I' || num[1] === 'N') {
      const oldZero = this.zero;
      this.zero = false;
      if (num[1] === 'N' && !this.space && !this.plus) num = num.slice(1);
      this.pad(num);
      this.zero = oldZero;
      return;
    }
    if (this.sharp) {
      let digits = 0;
      if (verb === 'g' || verb === 'G') {
        digits = prec;
        if (digits === -1) digits = 6;
      }
      let tail = '';
      let body = num;
      const eIdx = body.search(/[eE]/);
      if (eIdx >= 0) {
        tail = body.slice(eIdx);
        body = body.slice(0, eIdx);
      }
      let hasDecimalPoint = false;
      let sawNonzero = false;
      for (let i = 1; i < body.length; i++) {
        const c = body[i];
        if (c === '.') hasDecimalPoint = true;
        else {
          if (c !== '0') sawNonzero = true;
          if (sawNonzero) digits--;
        }
      }
      if (!hasDecimalPoint) {
        if (body.length === 2 && body[1] === '0') digits--;
        body += '.';
      }
      while (digits > 0) {
        body += '0';
        digits--;
      }
      num = body + tail;
    }
    if (this.plus || num[0] !== '+') {
      if (this.zero && this.widPresent && this.wid > num.length) {
        this.buf += num[0];
        this.writePadding(this.wid - num.length);
        this.buf += num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  fmtFloatVerb(v: number, verb: string): void {
    switch (verb) {
      case 'v':
        this.fmtFloatNum(v, 'g', -1);
        return;
      case 'g':
      case 'G':
        this.fmtFloatNum(v, verb, -1);
        return;
      case 'f':
      case 'e':
      case 'E':
        this.fmtFloatNum(v, verb, 6);
        return;
      case 'F':
        this.fmtFloatNum(v, 'f', 6);
        return;
      default:
        this.badVerb(verb);
    }
  }

  fmtSx(s: string, digits: string): void {
    const bytes = utf8Bytes(s);
    let length = bytes.length;
    if (this.precPresent && this.prec < length) length = this.prec;
    let width = 2 * length;
    if (width > 0) {
      if (this.space) {
        if (this.sharp) width *= 2;
        width += length - 1;
      } else if (this.sharp) {
        width += 2;
      }
    } else {
      if (this.widPresent) this.writePadding(this.wid);
      return;
    }
    if (this.widPresent && this.wid > width && !this.minus) this.writePadding(this.wid - width);
    let out = '';
    if (this.sharp) out += '0' + (digits[16] as string);
    for (let i = 0; i < length; i++) {
      if (this.space && i > 0) {
        out += ' ';
        if (this.sharp) out += '0' + (digits[16] as string);
      }
      const c = bytes[i] as number;
      out += (digits[c >> 4] as string) + (digits[c & 15] as string);
    }
    this.buf += out;
    if (this.widPresent && this.wid > width && this.minus) this.writePadding(this.wid - width);
  }

  fmtString(s: string, verb: string): void {
    switch (verb) {
      case 'v':
        if (this.sharpV) this.fmtQ(s);
        else this.pad(this.truncate(s));
        return;
      case 's':
        this.pad(this.truncate(s));
        return;
      case 'x':
        this.fmtSx(s, ldigits);
        return;
      case 'X':
        this.fmtSx(s, udigits);
        return;
      case 'q':
        this.fmtQ(s);
        return;
      default:
        this.badVerb(verb);
    }
  }

  fmtQ(s: string): void {
    s = this.truncate(s);
    if (this.sharp && canBackquote(s)) this.pad('`' + s + '`');
    else this.pad(quoteGo(s, this.plus));
  }

  badVerb(verb: string): void {
    this.erroring = true;
    this.buf += '%!' + verb + '(';
    if (this.argPresent && this.arg !== undefined && this.arg !== null) {
      this.buf += typeName(this.arg) + '=';
      this.printArg(this.arg, 'v');
    } else {
      this.buf += '<nil>';
    }
    this.buf += ')';
    this.erroring = false;
  }

  handleMethods(v: unknown, verb: string): boolean {
    if (this.erroring) return false;
    if (this.sharpV) return false;
    if (verb === 'v' || verb === 's' || verb === 'x' || verb === 'X' || verb === 'q') {
      const str = stringerOf(v);
      if (str) {
        this.fmtString(str(), verb);
        return true;
      }
    }
    return false;
  }

  printArg(arg: unknown, verb: string): void {
    this.arg = arg;
    this.argPresent = true;
    if (arg === undefined || arg === null) {
      if (verb === 'T' || verb === 'v') this.pad('<nil>');
      else this.badVerb(verb);
      return;
    }
    if (verb === 'T') {
      this.pad(this.truncate(typeName(arg)));
      return;
    }
    if (verb === 'p') {
      this.buf += `%!p(${typeName(arg)}=`;
      this.printValue(arg, 'v', 0);
      this.buf += ')';
      return;
    }
    switch (typeof arg) {
      case 'boolean':
        this.fmtBool(arg, verb);
        return;
      case 'number':
        this.fmtFloatVerb(arg, verb);
        return;
      case 'bigint':
        this.fmtIntVerb(arg, verb);
        return;
      case 'string':
        this.fmtString(arg, verb);
        return;
    }
    if (!this.handleMethods(arg, verb)) this.printValue(arg, verb, 0);
  }

  printValue(value: unknown, verb: string, depth: number): void {
    if (depth > 0 && value !== undefined && value !== null) {
      this.arg = value;
      this.argPresent = true;
      if (this.handleMethods(value, verb)) return;
    }
    this.arg = value;
    switch (typeof value) {
      case 'boolean':
        this.fmtBool(value, verb);
        return;
      case 'number':
        this.fmtFloatVerb(value, verb);
        return;
      case 'bigint':
        this.fmtIntVerb(value, verb);
        return;
      case 'string':
        this.fmtString(value, verb);
        return;
      case 'undefined':
        if (depth === 0) this.buf += '<invalid reflect.Value>';
        else if (verb === 'v') this.buf += '<nil>';
        else this.badVerb(verb);
        return;
    }
    if (value === null || typeof value !== 'object') {
      this.buf += '<nil>';
      return;
    }
    const i = intOf(value);
    if (i !== undefined) {
      this.fmtIntVerb(i, verb);
      return;
    }
    if (Array.isArray(value) || value instanceof GoSlice) {
      const items = Array.isArray(value) ? (value as unknown[]) : value.items;
      this.buf += '[';
      items.forEach((item, idx) => {
        if (idx > 0) this.buf += ' ';
        this.printValue(item, verb, depth + 1);
      });
      this.buf += ']';
      return;
    }
    if (value instanceof GoMap || (!(value instanceof GoValue) && isPlainObject(value))) {
      const entries = value instanceof GoMap ? value.entries : (value as Record<string, unknown>);
      this.buf += 'map[';
      sortedKeys(entries).forEach((k, idx) => {
        if (idx > 0) this.buf += ' ';
        this.printValue(k, verb, depth + 1);
        this.buf += ':';
        this.printValue(entries[k], verb, depth + 1);
      });
      this.buf += ']';
      return;
    }
    if (value instanceof GoStruct) {
      this.buf += '{';
      (value.type.fields ?? []).forEach((f, idx) => {
        if (idx > 0) this.buf += ' ';
        if (this.plusV) this.buf += f.name + ':';
        this.printValue(value.fields[f.name], verb, depth + 1);
      });
      this.buf += '}';
      return;
    }
    if (value instanceof GoPointer) {
      if (value.elem === undefined) {
        if (verb === 'v') this.pad('<nil>');
        else this.badVerb(verb);
        return;
      }
      const k = kindOf(value.elem);
      if (depth === 0 && (k === 'struct' || k === 'slice' || k === 'map')) {
        this.buf += '&';
        this.printValue(value.elem, verb, depth + 1);
        return;
      }
      // Go prints the address here; there is no address to show, so print what it points to.
      this.printValue(value.elem, verb, depth + 1);
      return;
    }
    if (value instanceof GoValue && value.type.kind === 'struct') {
      this.buf += '{}';
      return;
    }
    this.buf += '<nil>';
  }

  doPrintf(format: string, args: readonly unknown[]): void {
    const end = format.length;
    let argNum = 0;
    let afterIndex = false;
    let reordered = false;
    let i = 0;
    const argNumber = (): void => {
      if (i >= end || format[i] !== '[') return;
      reordered = true;
      for (let j = i + 1; j < end; j++) {
        if (format[j] === ']') {
          const width = format.slice(i + 1, j);
          const ok = /^[0-9]+$/.test(width);
          if (!ok) {
            goodArgNum = false;
            i = j + 1;
            afterIndex = true;
            return;
          }
          const idx = Number(width) - 1;
          if (idx >= 0 && idx < args.length) {
            argNum = idx;
          } else {
            goodArgNum = false;
          }
          i = j + 1;
          afterIndex = true;
          return;
        }
      }
      goodArgNum = false;
      i = i + 1;
      afterIndex = false;
    };
    const parseNum = (): { num: number; present: boolean } => {
      let num = 0;
      let present = false;
      while (i < end && format.charCodeAt(i) >= 0x30 && format.charCodeAt(i) <= 0x39) {
        if (num > 1e6) return { num: 0, present: false };
        num = num * 10 + (format.charCodeAt(i) - 0x30);
        present = true;
        i++;
      }
      return { num, present };
    };
    const intFromArg = (): { n: number; ok: boolean } => {
      let n = 0;
      let ok = false;
      if (argNum < args.length) {
        const v = intOf(args[argNum]);
        if (v !== undefined) {
          ok = true;
          if (v > 1000000n || v < -1000000n) {
            ok = false;
          } else n = Number(v);
        }
        argNum++;
      }
      return { n, ok };
    };
    let goodArgNum = true;
    while (i < end) {
      goodArgNum = true;
      const lasti = i;
      while (i < end && format[i] !== '%') i++;
      if (i > lasti) this.buf += format.slice(lasti, i);
      if (i >= end) break;
      i++;
      this.clearFlags();
      let simple = false;
      flags: for (; i < end; i++) {
        const c = format[i] as string;
        switch (c) {
          case '#':
            this.sharp = true;
            break;
          case '0':
            this.zero = !this.minus;
            break;
          case '+':
            this.plus = true;
            break;
          case '-':
            this.minus = true;
            this.zero = false;
            break;
          case ' ':
            this.space = true;
            break;
          default:
            if (c >= 'a' && c <= 'z' && argNum < args.length) {
              if (c === 'v') {
                this.sharpV = this.sharp;
                this.sharp = false;
                this.plusV = this.plus;
                this.plus = false;
              }
              this.printArg(args[argNum], c);
              argNum++;
              i++;
              simple = true;
            }
            break flags;
        }
      }
      if (simple) continue;
      afterIndex = false;
      argNumber();
      if (i < end && format[i] === '*') {
        i++;
        const { n, ok } = intFromArg();
        this.wid = n;
        this.widPresent = ok;
        if (!ok) this.buf += '%!(BADWIDTH)';
        if (this.wid < 0) {
          this.wid = -this.wid;
          this.minus = true;
          this.zero = false;
        }
        afterIndex = false;
      } else {
        const { num, present } = parseNum();
        this.wid = num;
        this.widPresent = present;
        if (afterIndex && present) goodArgNum = false;
      }
      if (i + 1 < end && format[i] === '.') {
        i++;
        if (afterIndex) goodArgNum = false;
        afterIndex = false;
        argNumber();
        if (i < end && format[i] === '*') {
          i++;
          const { n, ok } = intFromArg();
          this.prec = n;
          this.precPresent = ok;
          if (this.prec < 0) {
            this.prec = 0;
            this.precPresent = false;
          }
          if (!ok) this.buf += '%!(BADPREC)';
          afterIndex = false;
        } else {
          const { num, present } = parseNum();
          this.prec = num;
          this.precPresent = present;
          if (!present) {
            this.prec = 0;
            this.precPresent = true;
          }
        }
      }
      if (!afterIndex) argNumber();
      if (i >= end) {
        this.buf += '%!(NOVERB)';
        break;
      }
      const cp = format.codePointAt(i) ?? 0;
      const verb = String.fromCodePoint(cp);
      i += verb.length;
      if (verb === '%') {
        this.buf += '%';
      } else if (!goodArgNum) {
        this.buf += `%!${verb}(BADINDEX)`;
      } else if (argNum >= args.length) {
        this.buf += `%!${verb}(MISSING)`;
      } else {
        if (verb === 'v') {
          this.sharpV = this.sharp;
          this.sharp = false;
          this.plusV = this.plus;
          this.plus = false;
        }
        this.printArg(args[argNum], verb);
        argNum++;
      }
    }
    if (!reordered && argNum < args.length) {
      this.clearFlags();
      this.buf += '%!(EXTRA ';
      args.slice(argNum).forEach((arg, idx) => {
        if (idx > 0) this.buf += ', ';
        if (arg === undefined || arg === null) this.buf += '<nil>';
        else {
          this.buf += typeName(arg) + '=';
          this.printArg(arg, 'v');
        }
      });
      this.buf += ')';
    }
  }
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  const p = new Printer();
  let prevString = false;
  args.forEach((arg, n) => {
    const isString = typeof arg === 'string';
    if (n > 0 && !isString && !prevString) p.buf += ' ';
    p.clearFlags();
    p.printArg(arg, 'v');
    prevString = isString;
  });
  return p.buf;
}

/** fmt.Sprintln: spaces between all operands and a trailing newline. */
export function sprintln(args: readonly unknown[]): string {
  const p = new Printer();
  args.forEach((arg, n) => {
    if (n > 0) p.buf += ' ';
    p.clearFlags();
    p.printArg(arg, 'v');
  });
  return p.buf + '\n';
}

export function sprintf(format: string, args: readonly unknown[]): string {
  const p = new Printer();
  p.doPrintf(format, args);
  return p.buf;
}

/** fmt.Sprint of one value: the fast path for printing action results. */
export function printOne(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return formatFloat(v, 'g', -1);
  }
  return sprint([v]);
}
