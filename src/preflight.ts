// What serve checks before it binds the port or writes a file: everything that would
// otherwise stop it halfway through start-up (contact point and receiver settings of
// alertwire.yaml, knowledge-base files, the database). check-config runs the same checks
// but the database's. Each problem is one issue, so all of them are reported at once.
import { ReceiverInvalid } from './actions/receiver.js';
import { provisionedReceiver } from './actions/receiver-service.js';
import { loadKnowledgeBase } from './analysis/knowledge-base.js';
import type { ConfigIssue } from './config/load.js';
import type { Config } from './config/schema.js';
import { withDefaults } from './notify/contact-point.js';
import { fromConfig } from './notify/provisioning.js';
import { checkSettings } from './notify/validate.js';
import { databaseProblem } from './store/database.js';

type Source = string;

function contactPointIssues(config: Config, source: Source): ConfigIssue[] {
  return config.contact_points.flatMap((entry, i): ConfigIssue[] => {
    try {
      const issue = checkSettings(withDefaults(fromConfig(entry, i)));
      // A template's line and column are the template's, and its message says them.
      return issue ? [{ source, field: `contact_points[${i}].${issue.field}`, message: issue.message }] : [];
    } catch (error) {
      return [{ source, field: `contact_points[${i}]`, message: (error as Error).message }];
    }
  });
}

function receiverIssues(config: Config, source: Source): ConfigIssue[] {
  return config.receivers.flatMap((input, i): ConfigIssue[] => {
    try {
      provisionedReceiver(input, i);
      return [];
    } catch (error) {
      if (!(error instanceof ReceiverInvalid)) throw error;
      return error.issues.map((issue) => ({ source, field: issue.field, message: issue.message }));
    }
  });
}

function knowledgeIssues(config: Config, source: Source): ConfigIssue[] {
  try {
    loadKnowledgeBase(config.analysis.knowledge_base);
    return [];
  } catch (error) {
    return [{ source, field: 'analysis.knowledge_base', message: (error as Error).message }];
  }
}

/** The problems of a loaded configuration that its schema cannot see; `database` also tries the database. */
export async function preflight(config: Config, configPath: string | undefined, options: { database: boolean }): Promise<ConfigIssue[]> {
  const source = configPath ?? '(defaults)';
  const issues = [...contactPointIssues(config, source), ...receiverIssues(config, source), ...knowledgeIssues(config, source)];
  if (options.database) {
    const problem = await databaseProblem(config.database.url, config.data_dir);
    if (problem) issues.push({ source, field: config.database.url ? 'database.url' : 'data_dir', message: problem });
  }
  return issues;
}
