/**
 * A gRPC gate in front of the test Temporal dev server, standing in for Temporal Cloud's API key check: HTTP/2 over
 * TLS (the test PKI's server certificate, as Cloud serves TLS), forwarding each call to the dev server only when it
 * carries `authorization: Bearer <key>`; otherwise it answers gRPC status 16 (UNAUTHENTICATED) itself, as a
 * trailers-only response. It records the authorization header of every call.
 */
import fs from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TestPki } from './tls-certs';

export interface ApiKeyProxy {
  /** `localhost:<port>`: the name the server certificate holds. */
  address: string;
  /** The authorization header of each call, in order (undefined: none). */
  seen: Array<string | undefined>;
  close(): Promise<void>;
}

/** Headers HTTP/2 forbids forwarding or that the upstream request sets itself. */
const HOP = new Set([':method', ':path', ':scheme', ':authority', ':status']);

export async function startApiKeyProxy(upstream: string, key: string, pki: TestPki): Promise<ApiKeyProxy> {
  const seen: ApiKeyProxy['seen'] = [];
  const session = http2.connect(`http://${upstream}`);
  session.on('error', () => undefined); // a failed upstream call fails that call, below
  const server = http2.createSecureServer({
    cert: fs.readFileSync(pki.serverCert),
    key: fs.readFileSync(pki.serverKey),
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  server.on('stream', (stream, headers) => {
    const auth = headers.authorization;
    seen.push(auth);
    if (auth !== `Bearer ${key}`) {
      stream.respond(
        {
          ':status': 200,
          'content-type': 'application/grpc',
          'grpc-status': '16',
          'grpc-message': 'invalid API key',
        },
        { endStream: true },
      );
      return;
    }
    const forward = Object.fromEntries(Object.entries(headers).filter(([k]) => !HOP.has(k)));
    const call = session.request({ ...forward, ':method': 'POST', ':path': headers[':path'] });
    let trailers: http2.OutgoingHttpHeaders = {};
    call.on('response', (h) => {
      const out = Object.fromEntries(Object.entries(h).filter(([k]) => k !== ':status'));
      // A trailers-only answer (an error) carries its grpc-status in the headers and ends there.
      if (h['grpc-status'] !== undefined) stream.respond({ ':status': 200, ...out }, { endStream: true });
      else stream.respond({ ':status': 200, ...out }, { waitForTrailers: true });
    });
    call.on('trailers', (t) => (trailers = t));
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    call.on('error', () => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    stream.on('error', () => call.close(http2.constants.NGHTTP2_CANCEL));
    stream.pipe(call);
    call.pipe(stream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `localhost:${port}`,
    seen,
    close: async () => {
      session.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A client's pooled connection would keep the server open: end them.
      for (const s of sessions) s.destroy();
      await closed;
    },
  };
}
