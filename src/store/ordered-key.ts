import { randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;

/**
 * A unique key that sorts by creation time: milliseconds and a counter, then randomness. Keys
 * made at once land next to each other in an index, so a batch of inserts dirties a few pages
 * at its end instead of one random page per row.
 */
export function orderedKey(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else counter++;
  return `${lastMs.toString(36).padStart(9, '0')}${counter.toString(36).padStart(4, '0')}${randomBytes(6).toString('base64url')}`;
}
