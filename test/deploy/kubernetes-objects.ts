import type { IContainer, IEnvVar, IPodSpec } from 'kubernetes-models/v1';

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [field: string]: unknown;
}

export function findObject<T = KubernetesObject>(objects: KubernetesObject[], kind: string): T {
  const matches = objects.filter((object) => object.kind === kind);
  if (matches.length !== 1) throw new Error(`expected one ${kind}, rendered ${matches.length}`);
  return matches[0] as T;
}

export function kindsOf(objects: KubernetesObject[]): string[] {
  return objects.map((object) => object.kind).sort();
}

interface PodTemplateOwner {
  spec: {
    template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: IPodSpec };
  };
}

export function podTemplate(
  objects: KubernetesObject[],
  kind: 'Deployment' | 'Job',
): PodTemplateOwner['spec']['template'] {
  return findObject<PodTemplateOwner>(objects, kind).spec.template;
}

export function onlyContainer(objects: KubernetesObject[], kind: 'Deployment' | 'Job'): IContainer {
  const containers = podTemplate(objects, kind).spec.containers;
  if (containers.length !== 1) throw new Error(`expected one container in the ${kind}, rendered ${containers.length}`);
  return containers[0];
}

/** A container's environment by name: plain values as strings, secret references as `secret:<name>/<key>`. */
export function environmentOf(container: IContainer): Record<string, string> {
  return Object.fromEntries((container.env ?? []).map((variable: IEnvVar) => [variable.name, describeValue(variable)]));
}

function describeValue(variable: IEnvVar): string {
  const secret = variable.valueFrom?.secretKeyRef;
  if (secret) return `secret:${secret.name}/${secret.key}`;
  if (variable.valueFrom) return `from:${JSON.stringify(variable.valueFrom)}`;
  return variable.value ?? '';
}
