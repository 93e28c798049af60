import type { Provider } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { GraphClient } from './graph-client';
import { createGraphCredential } from './graph-credential.factory';
import { HttpGraphClient } from './http-graph.client';
import { SimulatedGraphClient } from './simulated/simulated-graph.client';

export function graphProviders(graph: AppConfig['graph']): Provider[] {
  const client =
    graph.mode === 'live'
      ? new HttpGraphClient(createGraphCredential(graph.credential), { baseUrl: graph.baseUrl, scope: graph.scope, timeoutMs: graph.timeoutMs })
      : new SimulatedGraphClient();
  return [{ provide: GraphClient, useValue: client }];
}
