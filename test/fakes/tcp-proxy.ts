import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 that a test cuts: every open connection is destroyed and new ones are refused (the
 * listener closes) until `heal()` listens again on the same port. Put in front of Graph or Postgres to cut them.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private server: Server;
  readonly port: number;

  private constructor(
    server: Server,
    port: number,
    private readonly target: { host: string; port: number },
  ) {
    this.server = server;
    this.port = port;
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new TcpProxy(server, (server.address() as { port: number }).port, target);
    proxy.attach(server);
    return proxy;
  }

  async cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  async heal(): Promise<void> {
    this.server = createServer();
    this.attach(this.server);
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.cut();
  }

  private attach(server: Server): void {
    server.on('connection', (client) => {
      const upstream = createConnection(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
  }
}
