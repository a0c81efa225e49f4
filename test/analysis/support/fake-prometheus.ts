/**
 * A Prometheus HTTP API for tests: `query_range` answers a matrix computed by the test for the
 * requested window (or an error), and every request is recorded.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RangeRequest {
  query: string;
  start: number;
  end: number;
  step: number;
  authorization: string | undefined;
}

export type SeriesFn = (t: number) => number;

export interface FakePrometheus {
  url: string;
  /** The series a query answers: labels and a value for each second of time. */
  series(query: string, labels: Record<string, string>, value: SeriesFn): void;
  failNext(status: number, error: string): void;
  requests: RangeRequest[];
  close(): Promise<void>;
}

export async function startFakePrometheus(): Promise<FakePrometheus> {
  const byQuery = new Map<string, { labels: Record<string, string>; value: SeriesFn }[]>();
  const failures: { status: number; error: string }[] = [];
  const requests: RangeRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/api/v1/query_range') return send(res, 404, { status: 'error', errorType: 'not_found', error: 'not found' });
    const r = {
      query: url.searchParams.get('query') ?? '',
      start: Number(url.searchParams.get('start')),
      end: Number(url.searchParams.get('end')),
      step: Number(url.searchParams.get('step')),
      authorization: req.headers.authorization,
    };
    requests.push(r);
    const failure = failures.shift();
    if (failure) return send(res, failure.status, { status: 'error', errorType: 'bad_data', error: failure.error });
    const result = (byQuery.get(r.query) ?? []).map((s) => {
      const values: [number, string][] = [];
      for (let t = r.start; t <= r.end; t += r.step) values.push([t, String(s.value(t))]);
      return { metric: s.labels, values };
    });
    send(res, 200, { status: 'success', data: { resultType: 'matrix', result } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    series(query, labels, value) {
      byQuery.set(query, [...(byQuery.get(query) ?? []), { labels, value }]);
    },
    failNext: (status, error) => void failures.push({ status, error }),
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
