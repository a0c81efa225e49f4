// The default-template namespaces. Alertmanager's notifiers see Alertmanager's
// definitions; Grafana's contact points see Grafana's, parsed over Alertmanager's as
// Grafana loads them (its __subject and __text_alert_list replace Alertmanager's).
import { DEFINITIONS as ALERTMANAGER, defineAll } from './alertmanager-defaults.js';
import { DEFINITIONS as GRAFANA } from './grafana-defaults.js';

export const TEMPLATE_NAMESPACES = ['alertmanager', 'grafana'] as const;
export type TemplateNamespace = (typeof TEMPLATE_NAMESPACES)[number];

/** Grafana's is the superset, and what contact points have always rendered with. */
export const DEFAULT_NAMESPACE: TemplateNamespace = 'grafana';

/** A template text and the name it is parsed under, which error messages show: a default text, or a user's file. */
export interface NamedText {
  readonly name: string;
  readonly text: string;
}

const TEXTS: Readonly<Record<TemplateNamespace, readonly NamedText[]>> = {
  alertmanager: [{ name: 'alertmanager-defaults', text: defineAll(ALERTMANAGER) }],
  grafana: [
    { name: 'alertmanager-defaults', text: defineAll(ALERTMANAGER) },
    { name: 'grafana-defaults', text: defineAll(GRAFANA) },
  ],
};

/** The texts of a namespace, in parse order: a later definition of a name replaces an earlier one. */
export function defaultTexts(namespace: TemplateNamespace): readonly NamedText[] {
  return TEXTS[namespace];
}

/** Every name a namespace defines. */
export function defaultNames(namespace: TemplateNamespace): string[] {
  const names = new Set<string>(ALERTMANAGER.map((d) => d.name));
  if (namespace === 'grafana') GRAFANA.forEach((d) => names.add(d.name));
  return [...names];
}
