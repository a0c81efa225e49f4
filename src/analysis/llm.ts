import type OpenAI from 'openai';
import type { ClientOptions } from 'openai';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { AnalysisConfig } from '../config/analysis.js';
import { loadOpenAi } from '../lazy-modules.js';
import { CircuitBreakers, MemoryCircuitLedger, type FailurePolicy } from '../outbound/circuit-breakers.js';
import type { CircuitLedger } from '../store/circuits.js';
import { ConcurrencyLimit } from './concurrency.js';
import { parseAnswer, type LlmAnalysis } from './llm-output.js';
import { TokenBudget, type TokenLedger } from './token-budget.js';

/** What became of the LLM step of one group analysis; the report shows `reason` as is. */
export type LlmOutcome =
  | { state: 'ok'; model: string; result: LlmAnalysis; usage: { prompt: number; completion: number }; durationMs: number }
  | { state: 'failed'; reason: string }
  | { state: 'skipped'; reason: string }
  | { state: 'disabled' };

export type AiServiceState = 'disabled' | 'connected' | 'unreachable';

/** The SDK's class (for its error classes) and the client made from it. */
type Sdk = { OpenAI: typeof OpenAI; client: OpenAI };

type Failure = { outcome: 'timeout' | 'unreachable' | 'error' | 'invalid'; reason: string; reachable: boolean };

const STATUS_TTL_MS = 60_000;
/** The LLM endpoint's circuit, one for the deployment. */
const LLM_CIRCUIT = 'llm';
const PROBE_TIMEOUT_MS = 3000;

/**
 * The optional LLM behind every guard rail the issue asks for: a per-call timeout, a circuit
 * breaker, a concurrency limit, a token budget per rolling hour and token metrics. The prompt
 * arrives already redacted. It never throws: every failure is an outcome the report can state.
 */
export class LlmAnalyst {
  /** Set when base_url is; the client itself is made on first use (memory at idle: openai is loaded then). */
  private readonly clientOptions: ClientOptions | null;
  private sdk: Promise<Sdk> | null = null;
  private readonly breakers: CircuitBreakers;
  private readonly circuit: FailurePolicy;
  private readonly limit: ConcurrencyLimit;
  private readonly budget: TokenBudget;
  private readonly tokens: Counter<'kind'>;
  private readonly requests: Counter<'outcome'>;
  private readonly duration: Histogram;
  private last: { at: number; reachable: boolean } | null = null;
  private probe: Promise<AiServiceState> | null = null;

  constructor(
    private readonly config: AnalysisConfig['llm'],
    registry: Registry,
    private readonly now: () => number,
    env: Readonly<Record<string, string | undefined>> = process.env,
    shared: { tokens?: TokenLedger; circuits?: CircuitLedger } = {},
  ) {
    this.clientOptions = config.base_url
      ? {
          baseURL: config.base_url,
          apiKey: config.api_key || env.ALERTWIRE_LLM_API_KEY || env.OPENAI_API_KEY || 'none',
          timeout: config.timeout * 1000,
          maxRetries: 0,
        }
      : null;
    this.breakers = new CircuitBreakers(shared.circuits ?? new MemoryCircuitLedger());
    this.circuit = { threshold: config.breaker_failures, cooldownMs: config.breaker_cooldown * 1000 };
    this.limit = new ConcurrencyLimit(config.max_concurrency);
    this.budget = new TokenBudget(config.token_budget_per_hour, shared.tokens);
    this.tokens = new Counter({ name: 'alertwire_llm_tokens_total', help: 'Tokens used by LLM analyses, by kind (prompt, completion)', labelNames: ['kind'] as const, registers: [registry] });
    this.requests = new Counter({ name: 'alertwire_llm_requests_total', help: 'LLM analyses by outcome', labelNames: ['outcome'] as const, registers: [registry] });
    this.duration = new Histogram({ name: 'alertwire_llm_duration_seconds', help: 'Time per LLM completion', buckets: [0.5, 1, 2, 5, 10, 20, 40], registers: [registry] });
  }

  get enabled(): boolean {
    return this.clientOptions !== null;
  }

  private loadSdk(options: ClientOptions): Promise<Sdk> {
    this.sdk ??= loadOpenAi().then(({ default: OpenAI }) => ({ OpenAI, client: new OpenAI(options) }));
    return this.sdk;
  }

  async analyze(prompt: { system: string; user: string }): Promise<LlmOutcome> {
    const options = this.clientOptions;
    if (!options) return { state: 'disabled' };
    const estimate = Math.ceil((prompt.system.length + prompt.user.length) / 4) + this.config.max_output_tokens;
    const now = this.now();
    if (!(await this.budget.allows(estimate, now))) {
      this.requests.inc({ outcome: 'budget' });
      const at = new Date(await this.budget.availableAt(estimate, now)).toISOString();
      return { state: 'skipped', reason: `the LLM token budget (${this.budget.limit} tokens per hour) is spent; it allows this analysis again at ${at}` };
    }
    const admission = await this.breakers.admit(LLM_CIRCUIT, this.circuit, now);
    if (!admission.allowed) {
      this.requests.inc({ outcome: 'circuit_open' });
      return { state: 'skipped', reason: `the LLM circuit is open after ${this.config.breaker_failures} consecutive failures; next attempt after ${new Date(admission.retryAt).toISOString()}` };
    }
    return this.limit.run(() => this.complete(options, prompt, estimate, admission.probe));
  }

  private async complete(options: ClientOptions, prompt: { system: string; user: string }, estimate: number, probe: boolean): Promise<LlmOutcome> {
    let sdk: Sdk | null = null;
    let started = 0;
    try {
      sdk = await this.loadSdk(options);
      // The clock starts after loading, so the duration metric stays the completion's own.
      started = performance.now();
      const completion = await sdk.client.chat.completions.create({
        model: this.config.model,
        temperature: 0,
        max_tokens: this.config.max_output_tokens,
        response_format: { type: 'json_object' },
        messages: [
          { role: 'system', content: prompt.system },
          { role: 'user', content: prompt.user },
        ],
      });
      const usage = { prompt: completion.usage?.prompt_tokens ?? 0, completion: completion.usage?.completion_tokens ?? 0 };
      await this.account(usage, estimate);
      await this.breakers.record(LLM_CIRCUIT, this.circuit, 'success', this.now(), probe);
      this.last = { at: this.now(), reachable: true };
      const parsed = parseAnswer(completion.choices[0]?.message.content ?? '');
      const durationMs = Math.round(performance.now() - started);
      this.duration.observe(durationMs / 1000);
      if (!parsed.ok) {
        this.requests.inc({ outcome: 'invalid' });
        return { state: 'failed', reason: parsed.error };
      }
      this.requests.inc({ outcome: 'ok' });
      return { state: 'ok', model: completion.model || this.config.model, result: parsed.value, usage, durationMs };
    } catch (error) {
      const failure = this.classify(sdk?.OpenAI ?? null, error);
      this.requests.inc({ outcome: failure.outcome });
      await this.breakers.record(LLM_CIRCUIT, this.circuit, failure.outcome === 'invalid' ? 'neutral' : 'failure', this.now(), probe);
      this.last = { at: this.now(), reachable: failure.reachable };
      return { state: 'failed', reason: failure.reason };
    }
  }

  /** Counts what the endpoint reports; an endpoint that reports nothing is charged the estimate. */
  private async account(usage: { prompt: number; completion: number }, estimate: number): Promise<void> {
    this.tokens.inc({ kind: 'prompt' }, usage.prompt);
    this.tokens.inc({ kind: 'completion' }, usage.completion);
    await this.budget.record(usage.prompt + usage.completion || estimate, this.now());
  }

  /** `sdk` is null only when the SDK itself failed to load: then no error can be one of its classes. */
  private classify(sdk: typeof OpenAI | null, error: unknown): Failure {
    const base = this.config.base_url;
    if (sdk && error instanceof sdk.APIConnectionTimeoutError) return { outcome: 'timeout', reason: `the LLM at ${base} did not answer within ${this.config.timeout} s`, reachable: false };
    if (sdk && error instanceof sdk.APIConnectionError) {
      const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
      return { outcome: 'unreachable', reason: `the LLM at ${base} is unreachable${cause}`, reachable: false };
    }
    if (sdk && error instanceof sdk.APIError) {
      const status = error.status ?? 0;
      return { outcome: 'error', reason: `the LLM at ${base} answered HTTP ${status}: ${error.message.slice(0, 300)}`, reachable: status > 0 && status < 500 };
    }
    return { outcome: 'error', reason: `the LLM call failed: ${error instanceof Error ? error.message : String(error)}`, reachable: false };
  }

  /** For /health: the last call's result while fresh, else a cheap probe (GET /models), shared by concurrent callers. */
  async status(): Promise<AiServiceState> {
    const options = this.clientOptions;
    if (!options) return 'disabled';
    const now = this.now();
    if ((await this.breakers.state(LLM_CIRCUIT, now)) === 'open') return 'unreachable';
    if (this.last && now - this.last.at < STATUS_TTL_MS) return this.last.reachable ? 'connected' : 'unreachable';
    this.probe ??= this.runProbe(options).finally(() => {
      this.probe = null;
    });
    return this.probe;
  }

  private async runProbe(options: ClientOptions): Promise<AiServiceState> {
    let sdk: Sdk | null = null;
    try {
      sdk = await this.loadSdk(options);
      await sdk.client.models.list({ timeout: PROBE_TIMEOUT_MS });
      this.last = { at: this.now(), reachable: true };
    } catch (error) {
      // An endpoint without /models (404) or refusing it (401) still answers: it is reachable.
      const reachable = sdk !== null && error instanceof sdk.OpenAI.APIError && error.status !== undefined && error.status < 500;
      this.last = { at: this.now(), reachable };
    }
    return this.last.reachable ? 'connected' : 'unreachable';
  }
}
