/**
 * A round-robin TCP proxy (node:net) in front of several ingress nodes, as a load balancer without affinity
 * would be: each new TCP connection (an HTTP request on a fresh socket, a WebSocket) goes to the next backend.
 * A backend that refuses the connection (a dead node) is skipped for that connection, and one marked `down` (as a
 * failed health check would) gets none. `steer(i)` sends the next connection to backend i, for tests that must
 * choose the node; `hits` counts connections per backend.
 */
import net from 'node:net';

export interface Backend {
  host: string;
  port: number;
}

export interface TcpProxy {
  url: string;
  port: number;
  backends: Backend[];
  /** Connections handed to each backend (index as in `backends`). */
  hits: number[];
  /** Backends that get no new connections (a load balancer's failed health check); open ones stay. */
  down: Set<number>;
  /** The next connection goes to backend `i` (then round robin again). */
  steer(i: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(backends: Backend[] = []): Promise<TcpProxy> {
  let next = 0;
  let steered: number | undefined;
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const server = net.createServer((client) => {
    track(client);
    client.pause();
    client.on('error', () => undefined);
    const tries = proxy.backends.length;
    const connect = (attempt: number, index: number) => {
      if (attempt >= tries || client.destroyed) {
        client.destroy();
        return;
      }
      if (proxy.down.has(index % tries)) {
        connect(attempt + 1, index + 1);
        return;
      }
      const b = proxy.backends[index % tries]!;
      const upstream = net.connect(b.port, b.host);
      track(upstream);
      let connected = false;
      upstream.on('error', () => {
        if (connected) client.destroy();
        else connect(attempt + 1, index + 1);
      });
      upstream.once('connect', () => {
        connected = true;
        proxy.hits[index % tries] = (proxy.hits[index % tries] ?? 0) + 1;
        client.on('error', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        upstream.once('close', () => client.destroy());
        client.once('close', () => upstream.destroy());
        client.resume();
      });
    };
    const start = steered ?? next++;
    steered = undefined;
    connect(0, start);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const proxy: TcpProxy = {
    url: `http://127.0.0.1:${port}`,
    port,
    backends,
    hits: [],
    down: new Set(),
    steer: (i) => (steered = i),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return proxy;
}
