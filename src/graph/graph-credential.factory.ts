import {
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
  type TokenCredential,
} from '@azure/identity';
import type { AppConfig } from '../config/app-config';

/**
 * The same choice @azure/identity's EnvironmentCredential/DefaultAzureCredential make, from the same variables,
 * but explicit: secret, then certificate, then workload identity (federated token file), then managed identity.
 */
export function createGraphCredential(config: AppConfig['graph']['credential']): TokenCredential {
  const options = { authorityHost: config.authorityHost, disableInstanceDiscovery: config.disableInstanceDiscovery };
  const { tenantId, clientId } = config;
  if (tenantId && clientId && config.clientSecret) {
    return new ClientSecretCredential(tenantId, clientId, config.clientSecret, options);
  }
  if (tenantId && clientId && config.certificatePath) {
    return new ClientCertificateCredential(
      tenantId,
      clientId,
      { certificatePath: config.certificatePath, certificatePassword: config.certificatePassword },
      options,
    );
  }
  if (config.federatedTokenFile) {
    return new WorkloadIdentityCredential({ ...options, tenantId, clientId, tokenFilePath: config.federatedTokenFile });
  }
  return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
}
