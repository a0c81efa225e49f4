// Alertmanager's default template definitions (the names its notifiers call, such as
// "slack.default.title"), written here so that each renders byte for byte what
// Alertmanager 0.25.0 — the version Debian ships — renders for it. The test
// (test/template/alertmanager-defaults.test.ts) compares every one with amtool's output.
// email.default.html is the one definition left out; docs/templates.md says why.

/** One definition: its name and its body (the text between define and end). */
export interface Definition {
  readonly name: string;
  readonly body: string;
}

const SUBJECT = 'template "__subject" .';
const ALERTMANAGER = 'template "__alertmanager" .';
const ALERTMANAGER_URL = 'template "__alertmanagerURL" .';
const COMMON_ANNOTATIONS = '{{ join " " .CommonAnnotations.SortedPairs.Values }}';

const call = (action: string): string => `{{ ${action} }}`;

type Section = 'Firing' | 'Resolved';
const SECTIONS: readonly Section[] = ['Firing', 'Resolved'];

/** "Alerts Firing:" and its alert list, no blank lines around it (opsgenie, wechat, victorops). */
function tightSection(s: Section): string {
  return `{{ with .Alerts.${s} }}Alerts ${s}:\n{{ template "__text_alert_list" . }}{{ end }}`;
}

/** The same section with a blank line before the heading and after the list (pushover, sns, telegram, discord, webex). */
function looseSection(s: Section): string {
  return `{{ with .Alerts.${s} }}\nAlerts ${s}:\n{{ template "__text_alert_list" . }}\n{{ end }}`;
}

/** Common annotations, then a line per section; each section starts on its own line. */
function tightBlocks(): string {
  return SECTIONS.map((s) => `\n${tightSection(s)}`).join('');
}

/** Both loose sections, each on its own line, the whole ending with a newline. */
function looseBlocks(): string {
  return SECTIONS.map((s) => `\n${looseSection(s)}`).join('') + '\n';
}

const empty = (name: string): Definition => ({ name, body: '' });
const alias = (name: string, action: string): Definition => ({ name, body: call(action) });

/**
 * "[FIRING:2] <group label values> (<other common label values>)". `counts` follows the
 * status inside the brackets; Grafana's wording adds the resolved count there.
 */
export function subjectBody(counts: string): string {
  return (
    `[{{ toUpper .Status }}${counts}] {{ join " " .GroupLabels.SortedPairs.Values }} ` +
    '{{ if gt (len .CommonLabels) (len .GroupLabels) }}({{ join " " (.CommonLabels.Remove .GroupLabels.Names).Values }}){{ end }}'
  );
}

/** " - name = value" per pair of a KV field of the alert, each line ending in a newline. */
export function pairLines(field: 'Labels' | 'Annotations'): string {
  return `{{ range .${field}.SortedPairs }} - {{ .Name }} = {{ .Value }}\n{{ end }}`;
}

const ALERT_LIST_BODY = `{{ range . }}Labels:\n${pairLines('Labels')}Annotations:\n${pairLines('Annotations')}Source: {{ .GeneratorURL }}\n{{ end }}`;

export const DEFINITIONS: readonly Definition[] = [
  { name: '__alertmanager', body: 'Alertmanager' },
  { name: '__alertmanagerURL', body: '{{ .ExternalURL }}/#/alerts?receiver={{ urlquery .Receiver }}' },
  { name: '__subject', body: subjectBody('{{ if eq .Status "firing" }}:{{ len .Alerts.Firing }}{{ end }}') },
  empty('__description'),
  { name: '__text_alert_list', body: ALERT_LIST_BODY },

  alias('slack.default.title', SUBJECT),
  alias('slack.default.username', ALERTMANAGER),
  { name: 'slack.default.fallback', body: `${call('template "slack.default.title" .')} | ${call('template "slack.default.titlelink" .')}` },
  empty('slack.default.callbackid'),
  empty('slack.default.pretext'),
  alias('slack.default.titlelink', ALERTMANAGER_URL),
  empty('slack.default.iconemoji'),
  empty('slack.default.iconurl'),
  empty('slack.default.text'),
  empty('slack.default.footer'),

  alias('pagerduty.default.description', SUBJECT),
  alias('pagerduty.default.client', ALERTMANAGER),
  alias('pagerduty.default.clientURL', ALERTMANAGER_URL),
  alias('pagerduty.default.instances', 'template "__text_alert_list" .'),

  alias('opsgenie.default.message', SUBJECT),
  { name: 'opsgenie.default.description', body: COMMON_ANNOTATIONS + tightBlocks() },
  alias('opsgenie.default.source', ALERTMANAGER_URL),

  {
    name: 'wechat.default.message',
    body: `${call(SUBJECT)}\n${COMMON_ANNOTATIONS}${tightBlocks()}\nAlertmanagerUrl:\n${call(ALERTMANAGER_URL)}`,
  },
  empty('wechat.default.to_user'),
  empty('wechat.default.to_party'),
  empty('wechat.default.to_tag'),
  empty('wechat.default.agent_id'),

  { name: 'victorops.default.state_message', body: COMMON_ANNOTATIONS + tightBlocks() },
  alias('victorops.default.entity_display_name', SUBJECT),
  alias('victorops.default.monitoring_tool', ALERTMANAGER),

  alias('pushover.default.title', SUBJECT),
  { name: 'pushover.default.message', body: COMMON_ANNOTATIONS + looseBlocks() },
  alias('pushover.default.url', ALERTMANAGER_URL),

  alias('sns.default.subject', SUBJECT),
  { name: 'sns.default.message', body: COMMON_ANNOTATIONS + looseBlocks() },

  { name: 'telegram.default.message', body: looseBlocks() },

  alias('discord.default.title', SUBJECT),
  { name: 'discord.default.message', body: looseBlocks() },

  { name: 'webex.default.message', body: COMMON_ANNOTATIONS + looseBlocks() },

  alias('email.default.subject', SUBJECT),
];

/** Template text with one define block per definition. */
export function defineAll(definitions: readonly Definition[]): string {
  return definitions.map((d) => `{{ define "${d.name}" }}${d.body}{{ end }}\n`).join('');
}
