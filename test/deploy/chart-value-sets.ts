// Value sets the chart is rendered with in the tests, each the way an installer would write it.
const tenantId = '11111111-2222-3333-4444-555555555555';
const gateAppId = '66666666-7777-8888-9999-000000000000';

const production = {
  auth: {
    issuer: `https://login.microsoftonline.com/${tenantId}/v2.0`,
    audience: `api://${gateAppId}`,
    allowedTenants: [tenantId],
  },
  serviceNow: { instanceUrl: 'https://contoso.service-now.com', existingSecret: 'gate-servicenow' },
  database: { existingSecret: 'gate-database' },
};

export const valueSets = {
  defaults: {},
  workloadIdentity: {
    ...production,
    azure: { credential: 'workloadIdentity', tenantId, clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' },
  },
  clientSecret: {
    ...production,
    azure: { credential: 'clientSecret', tenantId, clientId: gateAppId, existingSecret: 'gate-azure' },
  },
  clientCertificate: {
    ...production,
    azure: { credential: 'clientCertificate', tenantId, clientId: gateAppId, existingSecret: 'gate-azure' },
  },
  platform: {
    ...production,
    azure: { credential: 'workloadIdentity', tenantId, clientId: gateAppId },
    trustProxy: '1',
    metrics: { serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' } } },
    tracing: { otlpEndpoint: 'http://otel-collector.monitoring:4318' },
    ingress: { enabled: true, className: 'nginx', hostname: 'autopilot-gate.contoso.com', tlsSecretName: 'gate-tls' },
    autoscaling: { enabled: true, minReplicas: 3, maxReplicas: 9 },
    networkPolicy: {
      enabled: true,
      ingressNamespaceLabels: [{ 'kubernetes.io/metadata.name': 'ingress-nginx' }],
      metricsNamespaceLabels: [{ 'kubernetes.io/metadata.name': 'monitoring' }],
      egress: {
        postgresCidrs: ['10.20.30.0/24'],
        postgresPort: 6432,
        serviceNowCidrs: ['149.96.0.0/16'],
        otlpCidrs: ['10.40.0.0/16'],
      },
    },
  },
  localTicketsAndOwnPolicy: {
    ...production,
    tickets: { provider: 'local', allowLocalInProduction: true },
    policy: { existingConfigMap: 'gate-policy', existingConfigMapKey: 'rules.yaml' },
    migration: { enabled: false },
    pdb: { enabled: false },
    serviceAccount: { create: false, name: 'gate-identity' },
  },
};

export type ValueSetName = keyof typeof valueSets;
export const valueSetNames = Object.keys(valueSets) as ValueSetName[];
