import {
  deleteContactPoint,
  findContactPointByName,
  getContactPointRow,
  insertContactPointRow,
  listContactPointRows,
  requeueDelivery,
  requeueFailedDeliveries,
  saveContactPoint,
  syncProvisioned,
  type ContactPointRow,
} from '../store/contact-points.js';
import { loadUndici } from '../lazy-modules.js';
import type { Store } from '../store/database.js';
import type { SecretBox } from '../store/secrets.js';
import { idFromName, withDefaults, type ContactPointInput, type ContactPointPatch, type ContactPointSettings } from './contact-point.js';
import { ContactPointRegistry, sealSettings, type LoadedContactPoint } from './registry.js';
import { keepStoredSecrets, MissingSecretError } from './secret-fields.js';
import { checkSettings, SettingsError } from './validate.js';

export type ContactPointErrorKind = 'not_found' | 'conflict' | 'read_only';

export class ContactPointError extends Error {
  constructor(readonly kind: ContactPointErrorKind, message: string) {
    super(message);
    this.name = 'ContactPointError';
  }
}

export interface ManageDeps {
  store: Store;
  secrets: SecretBox;
  registry: ContactPointRegistry;
  now: () => number;
  wake: () => void;
  /** The contact point's settings changed or it is gone: drop its HTTP agent, breaker, tokens. */
  forget: (id: string) => void;
}

/** Settings with every secret given in plain text (after "[set]" was resolved), validated. */
function validated(settings: ContactPointSettings, stored: ContactPointSettings | undefined): ContactPointSettings {
  let resolved: ContactPointSettings;
  try {
    resolved = keepStoredSecrets(settings, stored);
  } catch (error) {
    if (error instanceof MissingSecretError) throw new SettingsError({ field: error.field, message: error.message.slice(error.field.length + 2) });
    throw error;
  }
  const issue = checkSettings(resolved);
  if (issue) throw new SettingsError(issue);
  return resolved;
}

/** A patch applied over stored settings: top-level fields replace, absent ones stay. */
function patched(current: ContactPointSettings, patch: ContactPointPatch): ContactPointSettings {
  const { dropQueued: _drop, enabled: _enabled, ...fields } = patch;
  const input = { ...current, ...fields } as ContactPointInput;
  return withDefaults(input);
}

/**
 * Creating, changing and removing contact points, with what each change implies for queued
 * deliveries: enabling requeues the paused ones, `dropQueued` discards what waits, deleting
 * drops everything pending.
 */
export class ContactPointManager {
  constructor(private readonly deps: ManageDeps) {}

  async list(): Promise<LoadedContactPoint[]> {
    return (await listContactPointRows(this.deps.store)).map((r) => this.deps.registry.load(r));
  }

  async get(id: string): Promise<LoadedContactPoint> {
    const cp = await this.deps.registry.get(id);
    if (!cp) throw new ContactPointError('not_found', `no contact point with id "${id}"`);
    return cp;
  }

  /** Validates settings for an unsaved contact point (a test of a draft), secrets taken from `basedOn`. */
  async draft(input: ContactPointInput, basedOn?: string): Promise<LoadedContactPoint> {
    const stored = basedOn ? (await this.get(basedOn)).settings : undefined;
    const settings = validated(withDefaults(input), stored);
    const now = this.deps.now();
    const id = input.id ?? basedOn ?? `draft-${idFromName(input.name)}`;
    return this.deps.registry.load(this.row(id, settings, input.enabled ?? true, false, now, now));
  }

  async create(input: ContactPointInput): Promise<LoadedContactPoint> {
    const settings = validated(withDefaults(input), undefined);
    const id = input.id ?? (await this.freeId(idFromName(input.name)));
    if (await getContactPointRow(this.deps.store, id)) throw new ContactPointError('conflict', `a contact point with id "${id}" exists`);
    await this.assertNameFree(settings.name, id);
    const now = this.deps.now();
    const row = this.row(id, settings, input.enabled ?? true, false, now, now);
    await insertContactPointRow(this.deps.store, row);
    // Its first delivery should not wait while the HTTP client loads.
    void loadUndici().catch(() => undefined);
    return this.deps.registry.load(row);
  }

  async replace(id: string, input: ContactPointInput): Promise<LoadedContactPoint> {
    const current = await this.editable(id);
    return this.save(current, validated(withDefaults(input), current.settings), input.enabled ?? current.enabled, false);
  }

  async patch(id: string, patch: ContactPointPatch): Promise<LoadedContactPoint> {
    const current = await this.editable(id);
    const settings = patch.name !== undefined || Object.keys(patch).some((k) => k !== 'enabled' && k !== 'dropQueued')
      ? validated(patched(current.settings, patch), current.settings)
      : current.settings;
    return this.save(current, settings, patch.enabled ?? current.enabled, patch.dropQueued === true);
  }

  async remove(id: string): Promise<void> {
    const current = await this.editable(id);
    await deleteContactPoint(this.deps.store, current.id, this.deps.now());
    this.deps.forget(id);
  }

  /** Requeues every delivery of this contact point that failed since `since`; returns how many. */
  async recover(id: string, since: number): Promise<number> {
    await this.get(id);
    return this.woken(await requeueFailedDeliveries(this.deps.store, id, since, this.deps.now()));
  }

  /** Sends a delivery again (same webhook-id, same body), whatever its state; false if unknown. */
  async redeliver(deliveryId: string): Promise<boolean> {
    return this.woken(await requeueDelivery(this.deps.store, deliveryId, this.deps.now())) > 0;
  }

  /** Makes the provisioned contact points those of the configuration file. */
  async provision(inputs: readonly ContactPointInput[]): Promise<void> {
    const now = this.deps.now();
    const rows = inputs.map((input, i) => {
      let settings: ContactPointSettings;
      try {
        settings = validated(withDefaults(input), undefined);
      } catch (error) {
        if (error instanceof SettingsError) throw new SettingsError({ ...error.issue, field: `contact_points[${i}].${error.issue.field}` });
        throw error;
      }
      return this.row(input.id ?? idFromName(input.name), settings, input.enabled ?? true, true, now, now);
    });
    const { removed } = await syncProvisioned(this.deps.store, rows);
    for (const id of [...removed, ...rows.map((r) => r.id)]) this.deps.forget(id);
  }

  private row(id: string, settings: ContactPointSettings, enabled: boolean, provisioned: boolean, createdAt: number, updatedAt: number): ContactPointRow {
    return {
      id,
      name: settings.name,
      enabled: enabled ? 1 : 0,
      provisioned: provisioned ? 1 : 0,
      config: sealSettings(this.deps.secrets, settings),
      disabled_reason: null,
      created_at: createdAt,
      updated_at: updatedAt,
    };
  }

  private async editable(id: string): Promise<LoadedContactPoint> {
    const cp = await this.get(id);
    if (cp.provisioned) throw new ContactPointError('read_only', `contact point "${id}" is provisioned from alertwire.yaml; change it there`);
    return cp;
  }

  private async assertNameFree(name: string, id: string): Promise<void> {
    const other = await findContactPointByName(this.deps.store, name);
    if (other && other.id !== id) throw new ContactPointError('conflict', `the name "${name}" is taken by contact point "${other.id}"`);
  }

  private async freeId(base: string): Promise<string> {
    for (let n = 1; ; n++) {
      const id = n === 1 ? base : `${base}-${n}`;
      if (!(await getContactPointRow(this.deps.store, id))) return id;
    }
  }

  /** Writes new settings; enabling requeues what was paused, in the same transaction. */
  private async save(current: LoadedContactPoint, settings: ContactPointSettings, enabled: boolean, drop: boolean): Promise<LoadedContactPoint> {
    await this.assertNameFree(settings.name, current.id);
    // updated_at keys the workers' caches: it must move even within one millisecond.
    const now = Math.max(this.deps.now(), current.updatedAt + 1);
    const row = this.row(current.id, settings, enabled, false, current.createdAt, now);
    if (!enabled) row.disabled_reason = current.enabled ? null : current.disabledReason;
    const { id: _id, created_at: _c, ...changes } = row;
    const requeued = await saveContactPoint(this.deps.store, current.id, changes, drop ? 'drop' : enabled ? 'resume' : 'keep', now);
    this.deps.forget(current.id);
    this.woken(requeued);
    return this.deps.registry.load(row);
  }

  /** Deliveries were queued again: the delivery worker takes them now rather than at its next poll. */
  private woken(requeued: number): number {
    if (requeued > 0) this.deps.wake();
    return requeued;
  }

}
