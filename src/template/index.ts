// alertwire's Go text/template engine: the public surface used by the API (validation
// on save), the notifier (titles, messages, payloads, URLs) and the CLI.
//
// Pure: no I/O, and no clock — functions that need the current time (since,
// time.Now) use `options.now` and fail when it is not given.
import { DEFAULT_NAMESPACE, defaultTexts } from './defaults.js';
import type { NamedText, TemplateNamespace } from './defaults.js';
import { TemplateError } from './errors.js';
import type { Limits } from './exec.js';
import { DEFAULT_LIMITS } from './exec.js';
import { TemplateSet, parseTrees } from './template.js';

export { TemplateError } from './errors.js';
export type { TemplateErrorKind } from './errors.js';
export { notificationData } from './data.js';
export type { NotificationAlert, NotificationInput, NotificationDataOptions, TemplateData } from './data.js';
export { DEFAULT_LIMITS } from './exec.js';
export type { Limits } from './exec.js';
export { DEFAULT_NAMESPACE, TEMPLATE_NAMESPACES, defaultNames, defaultTexts } from './defaults.js';
export type { NamedText, TemplateNamespace } from './defaults.js';

/** The name the main text of renderTemplate is parsed under, as it appears in errors. */
export const MAIN_TEMPLATE_NAME = 'template';

export interface RenderOptions {
  /** Execute this defined template instead of the text itself (like Go's ExecuteTemplate). */
  name?: string;
  /** The current time for `since` and `time.Now`. Without it those functions fail. */
  now?: Date;
  /** Overrides of DEFAULT_LIMITS. */
  limits?: Partial<Limits>;
  /** More template texts (e.g. the user's template library), parsed after the defaults and before `text`. */
  extraTemplates?: readonly string[];
  /** Name the text is parsed under, shown in error messages. Default "template". */
  parseName?: string;
  /** Whose default definitions the text sees: Alertmanager's, or Grafana's over them (the default). */
  namespace?: TemplateNamespace;
  /** The user's template files (alertwire.yaml `templates:`), parsed after the defaults: their definitions win. */
  library?: readonly NamedText[];
}

/** What a stored template sees besides itself; see RenderOptions. */
export type TemplateScope = Pick<RenderOptions, 'namespace' | 'library'>;

const NO_LIBRARY: readonly NamedText[] = [];

/** A parsed template text: its definitions plus the defaults, ready to execute. */
export class Template {
  private readonly sets = new WeakMap<readonly NamedText[], Map<TemplateNamespace, TemplateSet>>();

  constructor(
    readonly name: string,
    readonly text: string,
  ) {}

  /** Names of the templates the text defines (including itself). */
  definedTemplates(): string[] {
    return [...parseTrees(this.name, this.text).keys()];
  }

  /** Executes the text (or `options.name`) with the default templates available. */
  execute(data: unknown, options: Omit<RenderOptions, 'parseName' | 'extraTemplates'> = {}): string {
    const namespace = options.namespace ?? DEFAULT_NAMESPACE;
    const library = options.library ?? NO_LIBRARY;
    let byNamespace = this.sets.get(library);
    if (!byNamespace) this.sets.set(library, (byNamespace = new Map()));
    let set = byNamespace.get(namespace);
    if (!set) {
      set = TemplateSet.of([...defaultTexts(namespace), ...library, { name: this.name, text: this.text }]);
      byNamespace.set(namespace, set);
    }
    return set.execute(options.name ?? this.name, data, options.now, options.limits, this.name);
  }
}

/**
 * Parses a template text. Throws TemplateError (kind "parse") with the template
 * name, line and column, e.g. `template: title:3:14: unexpected "}" in operand`.
 * Parsing is cached per (name, text).
 */
export function parseTemplate(name: string, text: string): Template {
  parseTrees(name, text);
  return new Template(name, text);
}

/**
 * Renders `text` against `data` (usually from notificationData) with the default
 * templates and `extraTemplates` loaded, so `{{ template "default.message" . }}` works.
 * Throws TemplateError on parse errors, execution errors and exceeded limits.
 */
export function renderTemplate(text: string, data: unknown, options: RenderOptions = {}): string {
  const parseName = options.parseName ?? MAIN_TEMPLATE_NAME;
  const texts = [...defaultTexts(options.namespace ?? DEFAULT_NAMESPACE), ...(options.library ?? NO_LIBRARY)];
  (options.extraTemplates ?? []).forEach((t, i) => texts.push({ name: `extra${i + 1}`, text: t }));
  texts.push({ name: parseName, text });
  const set = TemplateSet.of(texts);
  return set.execute(options.name ?? parseName, data, options.now, { ...DEFAULT_LIMITS, ...options.limits }, parseName);
}

export interface TemplateValidationError {
  field: string;
  line: number;
  column: number;
  message: string;
}

/** Checks that `text` parses; returns what the API reports as a 400, or null when it is valid. */
export function validateTemplate(text: string, field: string): TemplateValidationError | null {
  try {
    parseTrees(field, text);
    return null;
  } catch (e) {
    if (e instanceof TemplateError) return { field, line: e.line, column: e.column, message: e.message };
    throw e;
  }
}
