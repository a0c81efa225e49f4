import { Type } from '@sinclair/typebox';

/** Contact points provisioned from alertwire.yaml (read-only in the API). */
export const ProvisionedContactPoints = Type.Array(Type.Unknown(), { default: [] });
