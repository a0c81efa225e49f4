// Go's regexp as template functions use it, on re2js (RE2 syntax, linear time):
// MatchString, MustCompile's panic text and ReplaceAllString with Go's $ expansion.
import { RE2JS } from 're2js';
import { FuncError } from './values.js';
import { canBackquote, quoteGo } from './quote.js';

const cache = new Map<string, RE2JS>();
const CACHE_LIMIT = 256;

/** regexp.Compile; throws FuncError with Go's "error parsing regexp: ..." text. */
export function compile(pattern: string): RE2JS {
  let re = cache.get(pattern);
  if (re) return re;
  try {
    re = RE2JS.compile(pattern);
  } catch (e) {
    throw new FuncError(e instanceof Error ? e.message : String(e));
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, re);
  return re;
}

/** regexp.MustCompile: the panic text Go reports through the template. */
export function mustCompile(pattern: string): RE2JS {
  try {
    return compile(pattern);
  } catch (e) {
    const q = canBackquote(pattern) ? '`' + pattern + '`' : quoteGo(pattern);
    throw new FuncError(`regexp: Compile(${q}): ${(e as Error).message}`);
  }
}

/** regexp.MatchString: unanchored search. */
export function matchString(pattern: string, s: string): boolean {
  return compile(pattern).matcher(s).find();
}

const wordRune = /^[\p{L}\p{Nd}_]$/u;

function extract(str: string): { name: string; num: number; rest: string } | null {
  if (str === '') return null;
  let brace = false;
  if (str[0] === '{') {
    brace = true;
    str = str.slice(1);
  }
  let i = 0;
  for (const ch of str) {
    if (!wordRune.test(ch)) break;
    i += ch.length;
  }
  if (i === 0) return null;
  const name = str.slice(0, i);
  if (brace) {
    if (i >= str.length || str[i] !== '}') return null;
    i++;
  }
  let num = 0;
  for (let j = 0; j < name.length; j++) {
    const c = name.charCodeAt(j);
    if (c < 0x30 || c > 0x39 || num >= 1e8) {
      num = -1;
      break;
    }
    num = num * 10 + (c - 0x30);
  }
  if (name[0] === '0' && name.length > 1) num = -1;
  return { name, num, rest: str.slice(i) };
}

/** regexp.ReplaceAllString: $1, ${1}, $name, ${name} and $$ in the replacement. */
export function replaceAllString(re: RE2JS, src: string, template: string): string {
  const m = re.matcher(src);
  const names = re.namedGroups();
  const groupCount = re.groupCount();
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  const end = src.length;
  while (searchPos <= end) {
    if (!m.find(searchPos)) break;
    const a0 = m.start();
    const a1 = m.end();
    out += src.slice(lastMatchEnd, a0);
    if (a1 > lastMatchEnd || a0 === 0) {
      let t = template;
      for (;;) {
        const k = t.indexOf('$');
        if (k < 0) break;
        out += t.slice(0, k);
        t = t.slice(k + 1);
        if (t[0] === '$') {
          out += '$';
          t = t.slice(1);
          continue;
        }
        const x = extract(t);
        if (!x) {
          out += '$';
          continue;
        }
        t = x.rest;
        let group = -1;
        if (x.num >= 0) group = x.num;
        else if (Object.prototype.hasOwnProperty.call(names, x.name)) group = names[x.name] as number;
        if (group >= 0 && group <= groupCount && m.start(group) >= 0) out += m.group(group) ?? '';
      }
      out += t;
    }
    lastMatchEnd = a1;
    const c = src.charCodeAt(searchPos);
    const width = searchPos < end ? (c >= 0xd800 && c <= 0xdbff ? 2 : 1) : 1;
    if (searchPos + width > a1) searchPos += width;
    else if (searchPos + 1 > a1) searchPos++;
    else searchPos = a1;
  }
  return out + src.slice(lastMatchEnd);
}
