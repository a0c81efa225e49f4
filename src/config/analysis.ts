import { Type, type Static } from '@sinclair/typebox';

/**
 * The `analysis:` section. Every source beyond the built-in analysis is off until configured,
 * so a fresh install makes no outbound request on behalf of an alert.
 */
export const PrometheusSourceConfig = Type.Object(
  {
    url: Type.String({ default: '', description: 'Prometheus base URL for query_range; empty = no chart unless use_generator_url' }),
    use_generator_url: Type.Boolean({
      default: false,
      description:
        "Query the Prometheus named by each alert's generatorURL when url is empty. Off by default: a webhook sender could point alertwire at any host",
    }),
    timeout: Type.Number({ minimum: 0.1, default: 5, description: 'Seconds per query' }),
    lookback: Type.Number({ minimum: 60, default: 3600, description: 'Seconds of history before the alert started that the chart shows' }),
    bearer_token: Type.String({ default: '', description: 'Sent as Authorization: Bearer to Prometheus' }),
    max_queries_per_group: Type.Integer({ minimum: 0, default: 10, description: 'Distinct expressions queried per analysed group' }),
  },
  { additionalProperties: false, default: {} },
);

export const LlmConfig = Type.Object(
  {
    base_url: Type.String({ default: '', description: 'OpenAI-compatible API base, e.g. https://api.openai.com/v1 or http://ollama:11434/v1; empty = no LLM' }),
    api_key: Type.String({ default: '', description: 'Empty: $ALERTWIRE_LLM_API_KEY, then $OPENAI_API_KEY, then none (Ollama, llama.cpp)' }),
    model: Type.String({ default: 'gpt-4o-mini' }),
    timeout: Type.Number({ minimum: 0.1, default: 20, description: 'Seconds per completion' }),
    max_concurrency: Type.Integer({ minimum: 1, default: 2 }),
    token_budget_per_hour: Type.Integer({ minimum: 0, default: 200000, description: 'Tokens (prompt + completion) per rolling hour; 0 = unlimited' }),
    max_output_tokens: Type.Integer({ minimum: 64, default: 1200 }),
    breaker_failures: Type.Integer({ minimum: 1, default: 5, description: 'Consecutive failures that open the circuit' }),
    breaker_cooldown: Type.Number({ minimum: 0, default: 30, description: 'Seconds the circuit stays open' }),
    redact_defaults: Type.Boolean({ default: true, description: 'Redact secrets, e-mail addresses and IP addresses before sending' }),
    redact_patterns: Type.Array(Type.String(), { default: [], description: 'More RE2 patterns whose matches are replaced by [redacted]' }),
  },
  { additionalProperties: false, default: {} },
);

export const KnowledgeBaseConfig = Type.Object(
  {
    builtin: Type.Boolean({ default: true, description: 'Load the knowledge base shipped with alertwire' }),
    files: Type.Array(Type.String(), { default: [], description: 'More knowledge-base YAML files; their entries take precedence' }),
  },
  { additionalProperties: false, default: {} },
);

export const KubernetesSourceConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Read pod status, events and logs of the alerting pod (read-only)' }),
    kubeconfig: Type.String({ default: '', description: 'Empty = in-cluster service account' }),
    context: Type.String({ default: '' }),
    timeout: Type.Number({ minimum: 0.1, default: 5, description: 'Seconds per API call' }),
    log_lines: Type.Integer({ minimum: 0, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false, default: {} },
);

export const AnalysisConfig = Type.Object(
  {
    prometheus: PrometheusSourceConfig,
    llm: LlmConfig,
    knowledge_base: KnowledgeBaseConfig,
    kubernetes: KubernetesSourceConfig,
  },
  { additionalProperties: false, default: {} },
);

export type AnalysisConfig = Static<typeof AnalysisConfig>;
