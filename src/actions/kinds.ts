import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { describeSchemaIssue } from '../intake/errors.js';
import type { Action, ActionDeps, ActionKind, SettingsIssue } from './action.js';
import { commandKind } from './command.js';
import { httpKind } from './http.js';
import { scaleKind } from './scale.js';

/** An action kind with its settings type erased: settings are checked against the schema first. */
export interface RegisteredKind {
  kind: string;
  settings: TSchema;
  secretPaths: readonly (readonly string[])[];
  /** Schema then semantic checks; fields are prefixed with `field`. */
  validate(settings: unknown, field: string): SettingsIssue[];
  create(settings: unknown, deps: ActionDeps): Action;
  /** The lock key of what the action changes; null when the kind does not serialize its runs. */
  target(settings: unknown): string | null;
}

function register<S>(k: ActionKind<S>): RegisteredKind {
  const typed = (settings: unknown): S => {
    if (!Value.Check(k.settings, settings)) throw new Error(`settings of kind ${k.kind} do not match its schema`);
    return settings as S;
  };
  return {
    kind: k.kind,
    settings: k.settings,
    secretPaths: k.secretPaths,
    validate(settings, field) {
      const shape = [...Value.Errors(k.settings, settings)];
      if (shape.length > 0) {
        return shape.slice(0, 5).map((e) => {
          const text = describeSchemaIssue({ instancePath: e.path, keyword: 'schema', params: {}, message: e.message });
          return { field: `${field}${e.path.replace(/\//g, '.')}`, message: text.replace(/^[^:]*: /, '') };
        });
      }
      return k.check(settings as S).map((i) => ({ field: i.field.startsWith(field) ? i.field : `${field}.${i.field.replace(/^action\./, '')}`, message: i.message }));
    },
    create: (settings, deps) => k.create(typed(settings), deps),
    target: (settings) => (k.target ? `target:${k.target(typed(settings))}` : null),
  };
}

export const ACTION_KINDS: ReadonlyMap<string, RegisteredKind> = new Map(
  [register(scaleKind), register(commandKind), register(httpKind)].map((k) => [k.kind, k]),
);

/** Applies the schema's defaults, so stored settings are complete. */
export function withDefaults(kind: RegisteredKind, settings: unknown): unknown {
  return Value.Default(kind.settings, Value.Clone(settings));
}
