/**
 * `compute`, remembered by `keyOf` for at most `limit` keys, the oldest forgotten first. For what
 * derives from a contact point's settings (parsed templates, checked and redacted URLs) and is
 * asked for again at every attempt.
 */
export function memoized<A extends unknown[], V>(limit: number, keyOf: (...args: A) => string, compute: (...args: A) => V): (...args: A) => V {
  const values = new Map<string, V>();
  return (...args: A) => {
    const key = keyOf(...args);
    if (values.has(key)) return values.get(key) as V;
    const value = compute(...args);
    if (values.size >= limit) values.delete(values.keys().next().value as string);
    values.set(key, value);
    return value;
  };
}
