import { Type } from '@sinclair/typebox';

/** Receivers provisioned from alertwire.yaml (read-only in the API). */
export const ProvisionedReceivers = Type.Array(Type.Unknown(), { default: [] });
