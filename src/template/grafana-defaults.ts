// Grafana's default template definitions, which Grafana parses after Alertmanager's:
// its own subject, the alert list with each alert's values and links, and the
// default title and message of its contact points. Written to render what Grafana's
// alerting template code renders; test/template/golden holds Go's output for them.
import { pairLines, subjectBody } from './alertmanager-defaults.js';
import type { Definition } from './alertmanager-defaults.js';

const LINKS = [
  ['Source', 'GeneratorURL'],
  ['Silence', 'SilenceURL'],
  ['Dashboard', 'DashboardURL'],
  ['Panel', 'PanelURL'],
] as const;

/** "B=12.5, C=1" in reference-id order, or "[no value]". */
const VALUES_LIST = '{{ with .Values }}{{ $sep := "" }}{{ range $ref, $v := . }}{{ $sep }}{{ $ref }}={{ $v }}{{ $sep = ", " }}{{ end }}{{ else }}[no value]{{ end }}';

/** Every alert after a newline: its values, labels, annotations, then the links it has. */
const TEXT_ALERT_LIST =
  `{{ range . }}\nValue: {{ template "__text_values_list" . }}\nLabels:\n${pairLines('Labels')}Annotations:\n${pairLines('Annotations')}` +
  LINKS.map(([label, field]) => `{{ with .${field} }}${label}: {{ . }}\n{{ end }}`).join('') +
  '{{ end }}';

/** Microsoft Teams' variant: blank lines between the parts, links as Markdown. */
const TEAMS_TEXT_ALERT_LIST =
  `{{ range . }}\nValue: {{ template "__text_values_list" . }}\nLabels:\n${pairLines('Labels')}\nAnnotations:\n${pairLines('Annotations')}\n` +
  LINKS.map(([label, field]) => `{{ with .${field} }}${label}: [{{ . }}]({{ . }})\n\n{{ end }}`).join('') +
  '\n{{ end }}';

/** "**Firing**" and its list, a blank line, "**Resolved**" and its list: what is present of them. */
function messageBody(list: string): string {
  return (
    `{{ with .Alerts.Firing }}**Firing**\n{{ template "${list}" . }}{{ end }}` +
    '{{ if and .Alerts.Firing .Alerts.Resolved }}\n\n{{ end }}' +
    `{{ with .Alerts.Resolved }}**Resolved**\n{{ template "${list}" . }}{{ end }}`
  );
}

export const DEFINITIONS: readonly Definition[] = [
  { name: '__subject', body: subjectBody('{{ if eq .Status "firing" }}:{{ len .Alerts.Firing }}{{ with .Alerts.Resolved }}, RESOLVED:{{ len . }}{{ end }}{{ end }}') },
  { name: '__text_values_list', body: VALUES_LIST },
  { name: '__text_alert_list', body: TEXT_ALERT_LIST },
  { name: 'default.title', body: '{{ template "__subject" . }}' },
  { name: 'default.message', body: messageBody('__text_alert_list') },
  { name: '__teams_text_alert_list', body: TEAMS_TEXT_ALERT_LIST },
  { name: 'teams.default.message', body: messageBody('__teams_text_alert_list') },
];
