/**
 * undici (about 20 MB resident once imported) and openai (about 14 MB) are loaded on first use,
 * not at start: most installations use neither, and an idle server should not pay for them.
 */
let undici: Promise<typeof import('undici')> | null = null;
let openai: Promise<typeof import('openai')> | null = null;

export function loadUndici(): Promise<typeof import('undici')> {
  undici ??= import('undici');
  return undici;
}

export function loadOpenAi(): Promise<typeof import('openai')> {
  openai ??= import('openai');
  return openai;
}
