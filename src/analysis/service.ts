import type { Registry } from 'prom-client';
import type { AnalysisConfig } from '../config/analysis.js';
import type { JobKind } from '../jobs/runner.js';
import { StoredCircuitLedger } from '../store/circuits.js';
import { StoredTokenLedger } from '../store/llm-spend.js';
import type { Store } from '../store/database.js';
import { analyzeJobKind } from './analyze-job.js';
import type { AnalysisDeps } from './group-analysis.js';
import { loadKnowledgeBase } from './knowledge-base.js';
import type { KubernetesReader } from './kubernetes-context.js';
import { LlmAnalyst, type AiServiceState } from './llm.js';
import { Redactor } from './redact.js';

export interface Analysis {
  jobKind: JobKind;
  /** `/health`'s ai_service. */
  aiService: { status(): Promise<AiServiceState> };
  knowledgeEntries: number;
}

/**
 * Builds the analysis stage from its configuration. A bad knowledge-base file, redaction
 * pattern or kubeconfig fails here, at start, rather than in every report.
 */
export async function createAnalysis(options: { config: AnalysisConfig; store: Store; registry: Registry; now: () => number }): Promise<Analysis> {
  const { config } = options;
  const redactor = new Redactor({ defaults: config.llm.redact_defaults, patterns: config.llm.redact_patterns });
  const kb = loadKnowledgeBase(config.knowledge_base);
  const llm = new LlmAnalyst(config.llm, options.registry, options.now, process.env, {
    tokens: new StoredTokenLedger(options.store),
    circuits: new StoredCircuitLedger(options.store),
  });
  const prometheus = config.prometheus.url || config.prometheus.use_generator_url
    ? {
        url: config.prometheus.url,
        useGeneratorUrl: config.prometheus.use_generator_url,
        timeoutMs: config.prometheus.timeout * 1000,
        lookbackMs: config.prometheus.lookback * 1000,
        bearerToken: config.prometheus.bearer_token,
        maxQueries: config.prometheus.max_queries_per_group,
      }
    : null;
  const kubernetes = config.kubernetes.enabled ? await kubernetesReader(config.kubernetes, redactor) : null;
  const deps: AnalysisDeps = { store: options.store, kb, prometheus, llm, kubernetes, redactor };
  return { jobKind: analyzeJobKind(deps, options.now), aiService: llm, knowledgeEntries: kb.size };
}

/**
 * @kubernetes/client-node costs about 80 MB of resident memory once loaded, more than the rest
 * of the server: it is loaded only when Kubernetes context is enabled.
 */
async function kubernetesReader(k: AnalysisConfig['kubernetes'], redactor: Redactor): Promise<KubernetesReader> {
  const [{ loadKubeConfig }, { KubernetesReader }] = await Promise.all([import('../actions/kubernetes.js'), import('./kubernetes-context.js')]);
  const config = loadKubeConfig({ kubeconfig: k.kubeconfig, context: k.context, inCluster: k.kubeconfig === '' });
  return new KubernetesReader(config, { timeoutMs: k.timeout * 1000, logLines: k.log_lines }, redactor);
}
