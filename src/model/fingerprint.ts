/**
 * Alertmanager's label-set fingerprint: 64-bit FNV-1a over the label names in sorted order,
 * each name and each value followed by the separator byte 0xff, printed as 16 lowercase hex
 * digits. Computed on four 16-bit limbs so the hot path allocates no BigInt.
 */
const SEPARATOR = 0xff;

type Limbs = [number, number, number, number];

// FNV-64 offset basis 0xcbf29ce484222325, least significant limb first.
const OFFSET_BASIS: Limbs = [0x2325, 0x8422, 0x9ce4, 0xcbf2];

/** h = (h XOR byte) * 0x100000001b3 mod 2^64; the prime is 2^40 + 0x1b3. */
function addByte(h: Limbs, byte: number): void {
  const l0 = h[0] ^ byte;
  const l1 = h[1];
  const l2 = h[2];
  const l3 = h[3];
  // l * 0x1b3 per limb, plus l << 40 (limb 0 shifted into limbs 2.5 → bits 40..).
  let t0 = l0 * 0x1b3;
  let t1 = l1 * 0x1b3;
  let t2 = l2 * 0x1b3;
  let t3 = l3 * 0x1b3;
  // << 40 = << (2 limbs + 8 bits): limb0 contributes to limb2 (low 8 bits shifted) and limb3.
  t2 += (l0 << 8) & 0xffff;
  t3 += (l0 >>> 8) + ((l1 << 8) & 0xffff);
  t1 += t0 >>> 16;
  h[0] = t0 & 0xffff;
  t2 += t1 >>> 16;
  h[1] = t1 & 0xffff;
  t3 += t2 >>> 16;
  h[2] = t2 & 0xffff;
  h[3] = t3 & 0xffff;
}

function addString(h: Limbs, s: string): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      addByte(h, c);
    } else {
      addUtf8Tail(h, s, i);
      return;
    }
  }
}

/** Slow path for non-ASCII text: hash the UTF-8 encoding of the rest of the string. */
function addUtf8Tail(h: Limbs, s: string, from: number): void {
  for (const byte of Buffer.from(s.slice(from), 'utf8')) addByte(h, byte);
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

export function labelsFingerprint(labels: Readonly<Record<string, string>>): string {
  const h: Limbs = [...OFFSET_BASIS];
  const names = sortedNames(labels);
  for (const name of names) {
    addString(h, name);
    addByte(h, SEPARATOR);
    addString(h, labels[name] ?? '');
    addByte(h, SEPARATOR);
  }
  return hex4(h[3]) + hex4(h[2]) + hex4(h[1]) + hex4(h[0]);
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * Go sorts label names by UTF-8 byte order. For ASCII names that is JavaScript's own code-unit
 * order, so the common case is tested once per label set rather than at every comparison.
 */
function sortedNames(labels: Readonly<Record<string, string>>): string[] {
  const names = Object.keys(labels);
  if (names.every((n) => ASCII.test(n))) return names.sort();
  return names.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}
