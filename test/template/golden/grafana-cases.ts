/** Grafana-namespace definitions that take a list of alerts rather than the whole data. */
const LIST_TAKING: ReadonlySet<string> = new Set(['__text_alert_list', '__teams_text_alert_list', 'pagerduty.default.instances']);

/** The template that calls a definition with what it takes: the data, its alerts, or each alert. */
export function grafanaCall(name: string): string {
  if (name === '__text_values_list') return `{{ range .Alerts }}{{ template "${name}" . }};{{ end }}`;
  return `{{ template "${name}" ${LIST_TAKING.has(name) ? '.Alerts' : '.'} }}`;
}
