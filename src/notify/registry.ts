import { LabelMatcher } from '../model/matchers.js';
import { contactPointVersions, getContactPointRow, listContactPointRows, type ContactPointRow } from '../store/contact-points.js';
import type { Store } from '../store/database.js';
import type { SecretBox } from '../store/secrets.js';
import type { ContactPoint, ContactPointSettings } from './contact-point.js';
import { mapSecrets } from './secret-fields.js';

/** A contact point ready to route and send: secrets opened, conditions compiled. */
export interface LoadedContactPoint extends ContactPoint {
  matcher: LabelMatcher;
  /** Changes whenever the stored row does; keys the per-contact-point HTTP agent. */
  version: string;
}

export function sealSettings(secrets: SecretBox, settings: ContactPointSettings): string {
  return JSON.stringify(mapSecrets(settings, (v) => secrets.seal(v)));
}

export function openSettings(secrets: SecretBox, config: string): ContactPointSettings {
  return mapSecrets(JSON.parse(config) as ContactPointSettings, (v) => secrets.open(v));
}

/**
 * The contact points as workers see them. Each call checks the table's (id, updated_at)
 * pairs, a small query, and parses only rows that changed: opening secrets and compiling
 * regexes happens once per change, not once per delivery.
 */
export class ContactPointRegistry {
  private cache = new Map<string, LoadedContactPoint>();

  constructor(private readonly store: Store, private readonly secrets: SecretBox) {}

  load(row: ContactPointRow): LoadedContactPoint {
    const settings = openSettings(this.secrets, row.config);
    return {
      id: row.id,
      enabled: row.enabled === 1,
      provisioned: row.provisioned === 1,
      disabledReason: row.disabled_reason,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      settings,
      matcher: new LabelMatcher(settings.conditions),
      version: `${row.updated_at}:${row.enabled}`,
    };
  }

  /** Every contact point, current as of this call. */
  async snapshot(): Promise<Map<string, LoadedContactPoint>> {
    const versions = await contactPointVersions(this.store);
    const stale = versions.filter((v) => this.cache.get(v.id)?.version !== `${v.updated_at}:${v.enabled}`);
    const next = new Map<string, LoadedContactPoint>();
    for (const v of versions) {
      const cached = this.cache.get(v.id);
      if (cached) next.set(v.id, cached);
    }
    if (stale.length > 0) {
      for (const row of await listContactPointRows(this.store)) {
        if (stale.some((s) => s.id === row.id)) next.set(row.id, this.load(row));
      }
    }
    this.cache = next;
    return next;
  }

  async enabled(): Promise<LoadedContactPoint[]> {
    return [...(await this.snapshot()).values()].filter((cp) => cp.enabled);
  }

  /** One contact point, read from the store (not the cache). */
  async get(id: string): Promise<LoadedContactPoint | undefined> {
    const row = await getContactPointRow(this.store, id);
    return row ? this.load(row) : undefined;
  }
}
