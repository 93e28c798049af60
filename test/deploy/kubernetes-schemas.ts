import path from 'node:path';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import ts from 'typescript';
import type { KubernetesObject } from './kubernetes-objects';

interface KindModel {
  /** Checks types, enums and required fields (kubernetes-models' JSON schemas), not unknown fields. */
  validate(object: KubernetesObject): void;
  /** The module whose `I<Kind>` interface declares every field the API knows. */
  typesModule: string;
}

const model = (Model: new (data: never) => { validate(): void }, typesModule: string): KindModel => ({
  validate: (object) => new Model(object as never).validate(),
  typesModule,
});

// Every kind the chart may render; anything else fails, so a new template cannot slip past the checks.
const models: Record<string, KindModel> = {
  'v1/ConfigMap': model(ConfigMap, 'kubernetes-models/v1/ConfigMap'),
  'v1/Service': model(Service, 'kubernetes-models/v1/Service'),
  'v1/ServiceAccount': model(ServiceAccount, 'kubernetes-models/v1/ServiceAccount'),
  'apps/v1/Deployment': model(Deployment, 'kubernetes-models/apps/v1/Deployment'),
  'batch/v1/Job': model(Job, 'kubernetes-models/batch/v1/Job'),
  'autoscaling/v2/HorizontalPodAutoscaler': model(
    HorizontalPodAutoscaler,
    'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  ),
  'policy/v1/PodDisruptionBudget': model(PodDisruptionBudget, 'kubernetes-models/policy/v1/PodDisruptionBudget'),
  'networking.k8s.io/v1/Ingress': model(Ingress, 'kubernetes-models/networking.k8s.io/v1/Ingress'),
  'networking.k8s.io/v1/NetworkPolicy': model(NetworkPolicy, 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy'),
  'monitoring.coreos.com/v1/ServiceMonitor': model(
    ServiceMonitor,
    '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
  ),
};

function modelOf(object: KubernetesObject): KindModel {
  const found = models[`${object.apiVersion}/${object.kind}`];
  if (!found) throw new Error(`no Kubernetes model for ${object.apiVersion} ${object.kind}`);
  return found;
}

/** Problems kubernetes-models' schema validation finds, one line per object that fails. */
export function schemaViolations(objects: KubernetesObject[]): string[] {
  return objects.flatMap((object) => {
    try {
      modelOf(object).validate(object);
      return [];
    } catch (error) {
      return [`${object.kind} ${object.metadata.name}: ${error instanceof Error ? error.message : String(error)}`];
    }
  });
}

const projectRoot = path.resolve(__dirname, '..', '..');
const checkedFile = path.join(projectRoot, 'test', 'deploy', '__rendered-objects__.mts');

/**
 * Fields the Kubernetes API does not know (a typo such as `securityContxt` would be silently dropped by the API
 * server). kubernetes-models' validation lets them through, but its type declarations list every field: each
 * object becomes an object literal typed with its kind's interface, and TypeScript's excess-property check
 * reports any field the interface lacks, at any depth.
 */
export function unknownFields(objects: KubernetesObject[]): string[] {
  const source = objects
    .map(
      (object, index) =>
        `export const object${index}: import('${modelOf(object).typesModule}').I${object.kind} = ${JSON.stringify(object)};`,
    )
    .join('\n');
  const diagnostics = typeCheck(source);
  return diagnostics.map((diagnostic) => {
    const line = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start!).line;
    const object = objects[line];
    const field = source.slice(diagnostic.start, diagnostic.start! + diagnostic.length!);
    return `${object.kind} ${object.metadata.name}, at ${field}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`;
  });
}

function typeCheck(source: string): readonly ts.Diagnostic[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.fileExists = (name) => name === checkedFile || fileExists(name);
  host.readFile = (name) => (name === checkedFile ? source : readFile(name));
  host.getSourceFile = (name, language, ...rest) =>
    name === checkedFile
      ? ts.createSourceFile(name, source, language)
      : getSourceFile.call(host, name, language, ...rest);
  const program = ts.createProgram([checkedFile], options, host);
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(checkedFile));
}
