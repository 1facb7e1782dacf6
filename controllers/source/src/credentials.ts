// Reads the credentials a GitRepository's secretRef names. Values never leave this module
// except as transport options; errors name the Secret and the key, never a value.
import type * as k8s from '@kubernetes/client-node';
import type { GitRepository } from '@moor/api';
import { isNotFound, RetryableError } from '@moor/runtime';
import { authFromSecretData, type GitAuthOptions } from './git/index.js';

export const AuthenticationFailedReason = 'AuthenticationFailed';

export interface ResolvedAuth extends GitAuthOptions {
  /** Every secret value, so messages can be scrubbed of them. */
  secrets: string[];
}

export async function readCredentials(core: k8s.CoreV1Api, repo: GitRepository): Promise<ResolvedAuth> {
  const ref = repo.spec.secretRef;
  if (!ref) return { secrets: [] };
  const namespace = repo.metadata.namespace as string;
  let secret: k8s.V1Secret;
  try {
    secret = await core.readNamespacedSecret({ name: ref.name, namespace });
  } catch (err) {
    const message = isNotFound(err)
      ? `spec.secretRef: Secret ${namespace}/${ref.name} not found`
      : `spec.secretRef: cannot read Secret ${namespace}/${ref.name}: ${(err as { code?: number }).code ?? ''} ${(err as Error).message.split('\n')[0]}`;
    throw new RetryableError(message, { reason: AuthenticationFailedReason, cause: err });
  }
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) data[k] = Buffer.from(v, 'base64').toString('utf8');
  const auth = authFromSecretData(data);
  if (!auth.credentials && !auth.caCert) {
    throw new RetryableError(
      `spec.secretRef: Secret ${namespace}/${ref.name} has none of the keys username/password, bearerToken or ca.crt`,
      { reason: AuthenticationFailedReason },
    );
  }
  if (auth.credentials?.kind === 'basic' && (!data.username || data.password === undefined)) {
    const missing = data.username ? 'password' : 'username';
    throw new RetryableError(`spec.secretRef: Secret ${namespace}/${ref.name} has no key "${missing}"`, {
      reason: AuthenticationFailedReason,
    });
  }
  return { ...auth, secrets: Object.values(data).filter((v) => v.length > 0) };
}
