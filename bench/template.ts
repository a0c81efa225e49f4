// Template engine benchmark: renders of default.message for a group of 100 alerts
// (target ≥ 5,000/s), cold and cached parse times, and a custom JSON payload.
import { performance } from 'node:perf_hooks';
import { notificationData, parseTemplate, renderTemplate } from '../src/template/index.js';
import type { NotificationAlert } from '../src/template/index.js';

function alerts(n: number): NotificationAlert[] {
  const out: NotificationAlert[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      status: i % 4 === 0 ? 'resolved' : 'firing',
      labels: { alertname: 'HighCPU', instance: `web-${i}:9100`, job: 'node', severity: i % 2 ? 'warning' : 'critical', team: 'ops' },
      annotations: { summary: `CPU high on web-${i}`, description: `CPU usage is ${90 + (i % 10)}%`, runbook_url: 'https://runbooks.example.com/cpu' },
      startsAt: '2024-01-15T10:30:00Z',
      endsAt: i % 4 === 0 ? '2024-01-15T11:00:00Z' : '0001-01-01T00:00:00Z',
      generatorURL: `http://prometheus:9090/graph?g0.expr=cpu&i=${i}`,
      fingerprint: i.toString(16).padStart(16, '0'),
      silenceURL: `https://grafana.example.com/alerting/silence/new?matcher=instance%3Dweb-${i}`,
      values: { A: 90 + i, B: 1 },
    });
  }
  return out;
}

/**
 * Runs `fn` repeatedly for about `ms` milliseconds; returns operations per second of
 * wall-clock time and per second of this process's CPU time. The second is what to
 * compare on a shared machine: other processes' load slows the first, not it.
 * Warms up for a fixed time, not a fixed count: 50 calls of a 100-alert render last
 * ~10 ms, before V8 has finished optimizing the engine (later still on a loaded
 * machine), so a count measured a half-compiled engine.
 */
function rates(fn: () => void, ms = 1000): { wall: number; cpu: number } {
  const warmUntil = performance.now() + ms;
  for (let i = 0; i < 50 || performance.now() < warmUntil; i++) fn();
  let n = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 20; i++) fn();
    n += 20;
    elapsed = performance.now() - start;
  }
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { wall: Math.round((n / elapsed) * 1000), cpu: Math.round((n / cpuMs) * 1000) };
}

function rate(fn: () => void, ms = 1000): number {
  return rates(fn, ms).wall;
}

export async function benchTemplates(): Promise<Record<string, number>> {
  const data = notificationData({
    receiver: 'bench',
    status: 'firing',
    alerts: alerts(100),
    groupLabels: { alertname: 'HighCPU' },
    commonLabels: { alertname: 'HighCPU', job: 'node', team: 'ops' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    groupKey: '{}:{alertname="HighCPU"}',
  });
  const now = new Date('2024-01-15T12:00:00Z');
  const message = '{{ template "default.message" . }}';
  const payload =
    '{{ $a := coll.Slice }}{{ range .Alerts }}{{ $a = coll.Append (coll.Dict "status" .Status "labels" .Labels "summary" .Annotations.summary "startsAt" .StartsAt) $a }}{{ end }}{{ data.ToJSON (coll.Dict "receiver" .Receiver "alerts" $a) }}';

  const out = renderTemplate(message, data, { now });
  let coldParseMs = 0;
  for (let i = 0; i < 20; i++) {
    // A unique text each time defeats the parse cache.
    const text = `${message}{{/* ${i} */}}{{ define "x${i}" }}{{ range .Alerts }}{{ .Labels.instance | toUpper }} {{ end }}{{ end }}`;
    const t0 = performance.now();
    parseTemplate(`cold${i}`, text);
    coldParseMs += performance.now() - t0;
  }
  const messageRates = rates(() => renderTemplate(message, data, { now }));
  return {
    default_message_100_alerts_renders_per_s: messageRates.wall,
    default_message_100_alerts_renders_per_cpu_s: messageRates.cpu,
    default_message_100_alerts_output_bytes: out.length,
    default_title_renders_per_s: rate(() => renderTemplate('{{ template "default.title" . }}', data, { now }), 500),
    custom_json_payload_100_alerts_renders_per_s: rate(() => renderTemplate(payload, data, { now }), 500),
    parse_cold_ms: Number((coldParseMs / 20).toFixed(4)),
    parse_cached_per_s: rate(() => parseTemplate('cached', message), 300),
  };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (invokedDirectly) {
  benchTemplates().then((r) => console.log(JSON.stringify({ template: r }, null, 2)));
}
