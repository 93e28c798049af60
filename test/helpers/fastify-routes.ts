import type { FastifyInstance } from 'fastify';

/**
 * Every method and path the Fastify instance routes, read from its printed route tree (find-my-way prints each node
 * under its parent, with the methods routed there). Parameters become `{}`: find-my-way merges the names of
 * parameters that share a node (`:deviceId|:profileDeviceId`), so only their positions can be compared.
 */
export function registeredRoutes(fastify: FastifyInstance): string[] {
  const routes: string[] = [];
  const prefixes: string[] = [];
  for (const line of fastify.printRoutes({ commonPrefix: false }).split('\n')) {
    const node = /^(.*?)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!node) continue;
    const depth = node[1].length / 4;
    prefixes.length = depth;
    prefixes.push(node[2]);
    const path = prefixes.join('').replace(/:[^/]+/g, '{}');
    for (const method of node[3]?.split(', ') ?? []) routes.push(`${method} ${path}`);
  }
  return routes;
}

/** A documented path in the same form: parameters as `{}`. */
export const routeShape = (method: string, path: string) =>
  `${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, '{}')}`;
