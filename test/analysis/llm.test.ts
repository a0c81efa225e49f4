import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Registry } from 'prom-client';
import { LlmConfig } from '../../src/config/analysis.js';
import { LlmAnalyst } from '../../src/analysis/llm.js';
import { parseAnswer } from '../../src/analysis/llm-output.js';
import { startFakeOpenAi, VALID_ANSWER, type FakeOpenAi } from './support/fake-openai.js';

const PROMPT = { system: 'system', user: '{"alerts":[]}' };

function analyst(fake: FakeOpenAi | null, overrides: Record<string, unknown> = {}, clock = { t: Date.UTC(2024, 0, 1) }) {
  const config = Value.Default(LlmConfig, { base_url: fake?.baseUrl ?? '', model: 'fake-model', ...overrides }) as Static<typeof LlmConfig>;
  const registry = new Registry();
  return { llm: new LlmAnalyst(config, registry, () => clock.t, {}), registry, clock };
}

describe('the LLM analyst against an OpenAI-compatible server', () => {
  let fake: FakeOpenAi;
  before(async () => {
    fake = await startFakeOpenAi();
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.chats.length = 0;
  });

  it('returns the schema-valid answer and counts its tokens', async () => {
    const { llm, registry } = analyst(fake);
    fake.queue({ kind: 'content', content: JSON.stringify(VALID_ANSWER), usage: { prompt_tokens: 123, completion_tokens: 45 } });
    const outcome = await llm.analyze(PROMPT);
    assert.equal(outcome.state, 'ok');
    assert.deepEqual(outcome.state === 'ok' && outcome.result, VALID_ANSWER);
    assert.equal(fake.chats[0]?.response_format?.type, 'json_object');
    assert.equal(fake.chats[0]?.model, 'fake-model');
    const metrics = await registry.metrics();
    assert.match(metrics, /^alertwire_llm_tokens_total\{kind="prompt"\} 123$/m);
    assert.match(metrics, /^alertwire_llm_tokens_total\{kind="completion"\} 45$/m);
    assert.match(metrics, /^alertwire_llm_requests_total\{outcome="ok"\} 1$/m);
  });

  it('refuses an answer that is not JSON, and says so', async () => {
    const { llm } = analyst(fake);
    fake.queue({ kind: 'content', content: 'The node is down, probably.' });
    const outcome = await llm.analyze(PROMPT);
    assert.equal(outcome.state, 'failed');
    assert.match(outcome.state === 'failed' ? outcome.reason : '', /invalid JSON/);
  });

  it('refuses JSON that does not match the report schema, naming the field', async () => {
    const { llm } = analyst(fake);
    fake.queue({ kind: 'content', content: JSON.stringify({ ...VALID_ANSWER, root_causes: [{ cause: 'x', certainty: 'maybe', evidence: [] }] }) });
    const outcome = await llm.analyze(PROMPT);
    assert.match(outcome.state === 'failed' ? outcome.reason : '', /schema at \/root_causes\/0\/certainty/);
  });

  it('reports an HTTP 500 from the endpoint', async () => {
    const { llm } = analyst(fake);
    fake.queue({ kind: 'status', status: 500, message: 'model crashed' });
    const outcome = await llm.analyze(PROMPT);
    assert.match(outcome.state === 'failed' ? outcome.reason : '', /answered HTTP 500/);
  });

  it('gives up after its timeout', async () => {
    const { llm } = analyst(fake, { timeout: 0.2 });
    fake.queue({ kind: 'hang' });
    const outcome = await llm.analyze(PROMPT);
    assert.match(outcome.state === 'failed' ? outcome.reason : '', /did not answer within 0.2 s/);
  });

  it('opens its circuit after consecutive failures, then sends nothing until the cooldown passes', async () => {
    const { llm, clock } = analyst(fake, { breaker_failures: 2, breaker_cooldown: 30 });
    fake.queue({ kind: 'status', status: 503 }, { kind: 'status', status: 502 });
    await llm.analyze(PROMPT);
    await llm.analyze(PROMPT);
    const sent = fake.chats.length;
    const skipped = await llm.analyze(PROMPT);
    assert.equal(skipped.state, 'skipped');
    assert.match(skipped.state === 'skipped' ? skipped.reason : '', /circuit is open after 2 consecutive failures/);
    assert.equal(fake.chats.length, sent, 'no request while open');
    assert.equal(await llm.status(), 'unreachable');
    clock.t += 31_000;
    assert.equal((await llm.analyze(PROMPT)).state, 'ok', 'the probe after the cooldown goes out and closes the circuit');
  });

  it('stops at its hourly token budget and resumes when the hour has passed', async () => {
    const { llm, clock } = analyst(fake, { token_budget_per_hour: 1650, max_output_tokens: 100 });
    fake.queue({ kind: 'content', content: JSON.stringify(VALID_ANSWER), usage: { prompt_tokens: 1500, completion_tokens: 100 } });
    assert.equal((await llm.analyze(PROMPT)).state, 'ok');
    const over = await llm.analyze(PROMPT);
    assert.equal(over.state, 'skipped');
    assert.match(over.state === 'skipped' ? over.reason : '', /token budget \(1650 tokens per hour\) is spent/);
    assert.equal(fake.chats.length, 1);
    clock.t += 3_600_001;
    assert.equal((await llm.analyze(PROMPT)).state, 'ok');
  });

  it('limits concurrent requests', async () => {
    const { llm } = analyst(fake, { max_concurrency: 1, timeout: 0.3 });
    fake.queue({ kind: 'hang' });
    const first = llm.analyze(PROMPT);
    const second = llm.analyze(PROMPT);
    await new Promise((r) => setImmediate(r));
    assert.equal(fake.chats.length <= 1, true, 'the second waits for the first');
    await Promise.all([first, second]);
    assert.equal(fake.chats.length, 2);
  });

  it('shows disabled, connected or unreachable for /health', async () => {
    assert.equal(await analyst(null).llm.status(), 'disabled');
    assert.equal(await analyst(fake).llm.status(), 'connected');
    assert.equal(await analyst(null, { base_url: 'http://127.0.0.1:1/v1' }).llm.status(), 'unreachable');
  });
});

describe('parseAnswer', () => {
  it('accepts a fenced JSON answer, nulls for sections that do not apply, and drops unknown keys', () => {
    const parsed = parseAnswer('```json\n{"summary":null,"root_causes":null,"next_steps":null,"problem_type":null,"problem_type_reason":null,"extra":1}\n```');
    assert.deepEqual(parsed, { ok: true, value: { summary: null, root_causes: null, next_steps: null, problem_type: null, problem_type_reason: null } });
  });

  it('requires every section to be present', () => {
    const parsed = parseAnswer('{"summary":"x"}');
    assert.equal(parsed.ok, false);
  });
});
