// The one error type the engine throws, for parse errors, execution errors and
// exceeded limits alike, so callers (API, notifier, CLI) handle a single class.

export type TemplateErrorKind = 'parse' | 'exec' | 'limit';

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  /**
   * @param message  what users see; parse errors read `template: NAME:LINE:COL: text`,
   *                 execution errors `template: NAME:LINE:COL: executing "T" at <node>: text`
   *                 (the latter exactly as Go words it, where COL is Go's 0-based byte offset).
   * @param goMessage the message as Go's text/template would word it (parse errors
   *                 carry no column there); used by the conformance tests.
   */
  constructor(
    readonly kind: TemplateErrorKind,
    message: string,
    readonly templateName: string,
    /** 1-based line, 0 when unknown. */
    readonly line: number,
    /** 1-based column in characters, 0 when unknown. */
    readonly column: number,
    readonly goMessage: string = message,
  ) {
    super(message);
  }
}

/** Where an offset falls in a text: 1-based line, 1-based character column and Go's 0-based byte column. */
export function locate(text: string, pos: number): { line: number; column: number; byteColumn: number } {
  const before = text.slice(0, Math.max(0, Math.min(pos, text.length)));
  const nl = before.lastIndexOf('\n');
  let line = 1;
  for (let i = 0; i < before.length; i++) if (before.charCodeAt(i) === 0x0a) line++;
  const lineText = before.slice(nl + 1);
  return { line, column: lineText.length + 1, byteColumn: utf8Length(lineText) };
}

export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
