import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { GateMetrics } from './gate-metrics';

/**
 * GET /metrics on a listener of its own (METRICS_PORT), never on the API's port: scraping needs no token, and the
 * chart's Service routes this port to Prometheus only, never through the Ingress.
 */
@Injectable()
export class MetricsEndpoint implements OnApplicationShutdown {
  private server?: Server;

  constructor(private readonly metrics: GateMetrics) {}

  /** Starts listening; resolves with the port (useful when asked for port 0). */
  async listen(host: string, port: number): Promise<number> {
    const server = createServer((request, response) => {
      if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
        return;
      }
      this.metrics.exposition().then(
        (text) => response.writeHead(200, { 'content-type': this.metrics.contentType }).end(text),
        () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics could not be collected\n'),
      );
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server?.listening) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
