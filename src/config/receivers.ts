import { Type } from '@sinclair/typebox';
import { ReceiverInputSchema } from '../actions/receiver.js';

/** Receivers provisioned from alertwire.yaml (read-only in the API); each needs an id and a token. */
export const ProvisionedReceivers = Type.Array(ReceiverInputSchema, { default: [] });

export const ActionsConfig = Type.Object(
  {
    answer_timeout: Type.Number({ minimum: 0, default: 10, description: 'Seconds a hook waits for its action before answering 202 queued' }),
    kubeconfig: Type.String({ default: '', description: 'kubeconfig for the scale kind; empty = in-cluster service account' }),
    kube_context: Type.String({ default: '' }),
    command_env_allowlist: Type.Array(Type.String(), {
      default: ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'],
      description: 'Server environment variables commands may see',
    }),
  },
  { additionalProperties: false, default: {} },
);
