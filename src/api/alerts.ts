import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { HttpError } from '../intake/errors.js';
import { LabelMatcher, parseMatcher, type Condition } from '../model/matchers.js';
import type { Store } from '../store/database.js';
import { alertDetails, alertsSeenSince, ALERT_SORTS, deliveriesForAlert, getAlert, listAlertRows, type AlertSort } from '../store/alerts.js';
import type { AlertRow } from '../store/tables.js';

export interface AlertApiDeps {
  store: Store;
  now: () => number;
  reportUrl: (fingerprint: string) => string;
  /** How often the live feed looks for changed alerts (default 1000 ms). */
  pollMs?: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
/** A label filter scans this many rows at most; the answer says when it was cut short. */
const SCAN_LIMIT = 5000;

/** An alert as the console lists it. */
export function alertJson(row: AlertRow, reportUrl: string) {
  const { labels, annotations } = alertDetails(row);
  return {
    fingerprint: row.fingerprint,
    alertname: row.alertname,
    namespace: row.namespace,
    severity: labels.severity ?? null,
    status: row.status,
    labels,
    annotations,
    startsAt: iso(row.starts_at),
    endsAt: iso(row.ends_at),
    source: row.source,
    receiverId: row.source.startsWith('receiver:') ? row.source.slice('receiver:'.length) : null,
    firstSeen: iso(row.first_seen),
    lastSeen: iso(row.last_seen),
    lastChange: iso(row.last_change),
    receivedCount: row.received_count,
    occurrenceCount: row.occurrence_count,
    reportUrl,
  };
}

/** `severity=critical namespace=~"prod.*"`: matchers separated by spaces or commas, quotes kept whole. */
export function parseLabelFilter(text: string): Condition[] {
  const tokens = text.match(/(?:[^\s,"]+|"(?:[^"\\]|\\.)*")+/g) ?? [];
  return tokens.map((token) => {
    try {
      return parseMatcher(token);
    } catch (error) {
      throw new HttpError(400, `labels: ${(error as Error).message}`);
    }
  });
}

const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('firing'), Type.Literal('resolved')])),
    receiver: Type.Optional(Type.String({ maxLength: 200, description: 'a receiver id, or "webhook" for POST /webhook' })),
    labels: Type.Optional(Type.String({ maxLength: 2000, description: 'Alertmanager matchers: severity=critical namespace=~prod.*' })),
    sort: Type.Optional(Type.Union(Object.keys(ALERT_SORTS).map((s) => Type.Literal(s)), { default: 'lastSeen' })),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
  },
  { additionalProperties: false },
);
type ListQuery = Static<typeof ListQuery>;
const FingerprintParams = Type.Object({ fingerprint: Type.String({ maxLength: 200 }) });

async function listAlerts(deps: AlertApiDeps, q: ListQuery) {
  const matcher = q.labels ? new LabelMatcher(checkedFilter(q.labels)) : null;
  const limit = q.limit ?? 200;
  const rows = await listAlertRows(deps.store, {
    ...(q.status ? { status: q.status } : {}),
    ...(q.receiver ? { source: q.receiver === 'webhook' ? 'webhook' : `receiver:${q.receiver}` } : {}),
    sort: (q.sort ?? 'lastSeen') as AlertSort,
    direction: q.order ?? 'desc',
    limit: matcher ? SCAN_LIMIT : limit,
  });
  const kept = matcher ? rows.filter((r) => matcher.matches(alertDetails(r).labels)) : rows;
  return {
    alerts: kept.slice(0, limit).map((r) => alertJson(r, deps.reportUrl(r.fingerprint))),
    truncated: kept.length > limit || (matcher !== null && rows.length === SCAN_LIMIT),
  };
}

/** Parses and compiles the filter, turning a bad regex into a 400 that names the field. */
function checkedFilter(text: string): Condition[] {
  const conditions = parseLabelFilter(text);
  try {
    new LabelMatcher(conditions);
  } catch (error) {
    throw new HttpError(400, `labels: invalid regular expression: ${(error as Error).message}`);
  }
  return conditions;
}

/**
 * The live feed behind /api/v1/alerts/stream. It polls the store (cheap: the last_seen index)
 * rather than listening inside the process, so alerts taken in by another replica show up too.
 * One poller serves every open stream, and only while one is open.
 */
export class AlertFeed {
  private readonly clients = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | null = null;
  /** What each recently changed alert was last sent as, so overlapping polls send it once. */
  private sent = new Map<string, number>();
  private cursor: number;

  constructor(private readonly deps: AlertApiDeps) {
    this.cursor = deps.now();
  }

  add(res: ServerResponse): void {
    if (this.clients.size === 0) this.cursor = this.deps.now();
    this.clients.add(res);
    res.on('close', () => this.remove(res));
    this.timer ??= setInterval(() => void this.poll(), this.deps.pollMs ?? 1000);
  }

  closeAll(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
    this.stop();
  }

  private remove(res: ServerResponse): void {
    this.clients.delete(res);
    if (this.clients.size === 0) this.stop();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Looks back a few seconds: a transaction may commit a row stamped before the last poll. */
  private async poll(): Promise<void> {
    const since = this.cursor - 5000;
    let rows: AlertRow[];
    try {
      rows = await alertsSeenSince(this.deps.store, since);
    } catch {
      return; // the database is away for a moment; the next poll catches up
    }
    for (const row of rows) {
      if (this.sent.get(row.fingerprint) === row.last_seen) continue;
      this.sent.set(row.fingerprint, row.last_seen);
      this.broadcast('alert', alertJson(row, this.deps.reportUrl(row.fingerprint)));
      this.cursor = Math.max(this.cursor, row.last_seen);
    }
    for (const [fp, seen] of this.sent) if (seen < since) this.sent.delete(fp);
    this.broadcast(null, null);
  }

  /** A named event, or (name null) a comment line that keeps proxies from closing an idle stream. */
  private broadcast(event: string | null, data: unknown): void {
    const text = event ? `event: ${event}\ndata: ${JSON.stringify(data)}\n\n` : `: ${new Date(this.deps.now()).toISOString()}\n\n`;
    for (const res of this.clients) res.write(text);
  }
}

/** GET /api/v1/alerts (list with filters) and GET /api/v1/alerts/stream (server-sent events). */
export async function alertApiRoutes(app: FastifyInstance, deps: AlertApiDeps): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const feed = new AlertFeed(deps);
  app.addHook('preClose', async () => feed.closeAll());

  api.get('/api/v1/alerts', { schema: { querystring: ListQuery } }, async (request) => listAlerts(deps, request.query));

  api.get('/api/v1/alerts/:fingerprint', { schema: { params: FingerprintParams } }, async (request) => {
    const row = await getAlert(deps.store, request.params.fingerprint);
    if (!row) throw new HttpError(404, `no alert with fingerprint "${request.params.fingerprint}"`);
    return alertJson(row, deps.reportUrl(row.fingerprint));
  });

  /** The notifications sent about this alert: what its report lists under "Notifications". */
  api.get('/api/v1/alerts/:fingerprint/deliveries', { schema: { params: FingerprintParams } }, async (request) => {
    const rows = await deliveriesForAlert(deps.store, request.params.fingerprint);
    return {
      deliveries: rows.map((d) => ({
        id: d.id,
        contactPointId: d.contact_point_id,
        kind: d.kind,
        state: d.state,
        status: d.status,
        summary: d.summary,
        attempts: d.attempts,
        lastStatus: d.last_status,
        lastError: d.last_error,
        createdAt: iso(d.created_at),
        deliveredAt: iso(d.delivered_at),
      })),
    };
  });

  api.get('/api/v1/alerts/stream', { schema: { produces: ['text/event-stream'] } }, async (request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    reply.raw.write('retry: 3000\n\n');
    feed.add(reply.raw);
    request.log.debug('alert stream opened');
  });
}
