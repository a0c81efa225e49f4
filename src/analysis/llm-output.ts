import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value, type ValueError } from '@sinclair/typebox/value';

/**
 * The only shape of LLM answer a report accepts (HolmesGPT's sections): every key present,
 * a section that does not apply is null, sizes bounded. Anything else is refused whole.
 */
const Text = Type.String({ maxLength: 4000 });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const RootCause = Type.Object({
  cause: Text,
  certainty: Type.Union([Type.Literal('certain'), Type.Literal('possible')]),
  evidence: Type.Array(Type.String({ maxLength: 1000 }), { maxItems: 10 }),
});

export const LlmAnalysis = Type.Object({
  summary: Nullable(Text),
  root_causes: Nullable(Type.Array(RootCause, { maxItems: 10 })),
  next_steps: Nullable(Type.Array(Type.String({ maxLength: 1000 }), { maxItems: 15 })),
  problem_type: Nullable(Type.Union([Type.Literal('application'), Type.Literal('infrastructure'), Type.Literal('unclear')])),
  problem_type_reason: Nullable(Type.String({ maxLength: 1000 })),
});
export type LlmAnalysis = Static<typeof LlmAnalysis>;

/** The schema as the prompt shows it, kept next to the validator so they cannot drift. */
export const OUTPUT_CONTRACT = `{
  "summary": string | null,            // two or three sentences: what is happening, for the person paged
  "root_causes": [ { "cause": string, "certainty": "certain" | "possible", "evidence": [string] } ] | null,
  "next_steps": [string] | null,       // concrete actions, exact commands where the input gives them
  "problem_type": "application" | "infrastructure" | "unclear" | null,
  "problem_type_reason": string | null
}`;

export type ParsedAnswer = { ok: true; value: LlmAnalysis } | { ok: false; error: string };

/** Parses the model's text: JSON (a ```json fence tolerated), then the schema, extra keys dropped. */
export function parseAnswer(text: string): ParsedAnswer {
  const body = text.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
  let json: unknown;
  try {
    json = JSON.parse(body) as unknown;
  } catch (error) {
    return { ok: false, error: `the LLM answered invalid JSON (${error instanceof Error ? error.message : String(error)}): ${JSON.stringify(text.slice(0, 120))}` };
  }
  const cleaned = Value.Clean(LlmAnalysis, Value.Clone(json));
  const first = Value.Errors(LlmAnalysis, cleaned).First();
  const problem = first && deepest(first);
  if (problem) return { ok: false, error: `the LLM's answer does not match the report schema at ${problem.path || '(root)'}: ${problem.message}` };
  return { ok: true, value: cleaned as LlmAnalysis };
}

/** A union (a section or null) fails as a whole; the useful error is the deepest inside it. */
function deepest(error: ValueError): ValueError {
  let best = error;
  for (const variant of error.errors) {
    const inner = variant.First();
    if (!inner) continue;
    const candidate = deepest(inner);
    if (candidate.path.length > best.path.length) best = candidate;
  }
  return best;
}
