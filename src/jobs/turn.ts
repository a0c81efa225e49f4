/**
 * Resolves on a later turn of the event loop, after pending I/O: better-sqlite3 answers
 * synchronously, so awaiting a query never lets a request in. Long jobs call this between
 * steps to keep each uninterrupted stretch short.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
