import type { Redis } from 'ioredis';
import type pg from 'pg';
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { HttpError } from './errors.js';

export interface RateLimitSettings {
  perIp: number;
  global: number;
  windowSeconds: number;
  limitedStatus: 429 | 503;
  keyPrefix: string;
}

export interface RateLimitBackends {
  store: 'memory' | 'postgres' | 'redis';
  pool?: pg.Pool;
  redis?: Redis;
}

export interface RateDecision {
  headers: Record<string, string>;
}

/**
 * Per-client and global request limits. Memory by default; PostgreSQL or Redis when replicas
 * must share one budget. If the shared store fails, each process falls back to its own memory
 * budget rather than failing requests.
 */
export class RateLimits {
  private constructor(
    private readonly settings: RateLimitSettings,
    private readonly perIp: RateLimiterAbstract | null,
    private readonly global: RateLimiterAbstract | null,
  ) {}

  static async create(settings: RateLimitSettings, backends: RateLimitBackends): Promise<RateLimits> {
    const make = async (points: number, keyPrefix: string) =>
      points > 0 ? await limiter(backends, { points, duration: Math.max(1, Math.round(settings.windowSeconds)), keyPrefix }) : null;
    return new RateLimits(
      settings,
      await make(settings.perIp, `${settings.keyPrefix}_ip`),
      await make(settings.global, `${settings.keyPrefix}_global`),
    );
  }

  get enabled(): boolean {
    return this.perIp !== null || this.global !== null;
  }

  /** Spends one request for `ip`; throws the configured 429/503 when either budget is gone. */
  async consume(ip: string): Promise<RateDecision> {
    const results: { limit: number; res: RateLimiterRes; exceeded: boolean }[] = [];
    for (const [l, key, limit] of [
      [this.perIp, ip, this.settings.perIp],
      [this.global, 'all', this.settings.global],
    ] as const) {
      if (!l) continue;
      try {
        results.push({ limit, res: await l.consume(key), exceeded: false });
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        results.push({ limit, res: rejection, exceeded: true });
      }
    }
    if (results.length === 0) return { headers: {} };
    // Report the budget closest to running out, the one the client must respect.
    const tightest = results.reduce((a, b) => (b.exceeded && !a.exceeded) || b.res.remainingPoints < a.res.remainingPoints ? b : a);
    const resetMs = Date.now() + tightest.res.msBeforeNext;
    const headers: Record<string, string> = {
      'X-RateLimit-Limit': String(tightest.limit),
      'X-RateLimit-Remaining': String(Math.max(0, tightest.res.remainingPoints)),
      'X-RateLimit-Reset': String(Math.ceil(resetMs / 1000)),
    };
    const exceeded = results.find((r) => r.exceeded);
    if (exceeded) {
      const seconds = Math.max(1, Math.ceil(exceeded.res.msBeforeNext / 1000));
      throw new HttpError(this.settings.limitedStatus, `Rate limit exceeded. Try again in ${seconds} seconds.`, {
        ...headers,
        'Retry-After': String(seconds),
      });
    }
    return { headers };
  }
}

async function limiter(
  backends: RateLimitBackends,
  options: { points: number; duration: number; keyPrefix: string },
): Promise<RateLimiterAbstract> {
  if (backends.store === 'redis') {
    if (!backends.redis) throw new Error('rate_limit.store is redis but rate_limit.redis_url is not set');
    return new RateLimiterRedis({ ...options, storeClient: backends.redis, insuranceLimiter: new RateLimiterMemory(options) });
  }
  if (backends.store === 'postgres') {
    if (!backends.pool) throw new Error('rate_limit.store is postgres but the database is not PostgreSQL');
    const pool = backends.pool;
    return new Promise((resolve, reject) => {
      const l: RateLimiterPostgres = new RateLimiterPostgres(
        { ...options, storeClient: pool, tableName: 'rate_limits', storeType: 'pool', insuranceLimiter: new RateLimiterMemory(options) },
        (error?: Error) => (error ? reject(error) : resolve(l)),
      );
    });
  }
  return new RateLimiterMemory(options);
}
