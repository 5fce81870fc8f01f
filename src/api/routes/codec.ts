/**
 * The codec endpoint for operators: Temporal's remote codec server protocol, so `temporal workflow show
 * --codec-endpoint <base>/codec` and the Temporal UI's codec endpoint setting show decrypted payloads. POST
 * /codec/decode and /codec/encode take and answer `{ payloads: [...] }` in protobuf JSON form (`metadata` values
 * and `data` base64). CORS for TEMPORAL_CODEC_CORS_ORIGINS: the preflight needs no auth (browsers send none);
 * the POSTs need an admin key.
 */
import cors from 'cors';
import express, { type RequestHandler, type Router } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { permit } from '../auth';
import { jsonBodiesOnly } from '../json-bodies';
import { sendProblem } from '../problem';

/** History pages hold many payloads; larger than the API's 64 kB. */
const CODEC_BODY_LIMIT = '4mb';
const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const Body = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), b64).optional(), data: b64.optional() }))
    .max(10_000),
});
type JsonPayload = z.infer<typeof Body>['payloads'][number];

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v ?? new Uint8Array()).toString('base64'),
    ]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/**
 * CORS for the configured origins only (the `cors` package). It answers a preflight itself (204), before any
 * auth: browsers send none on a preflight. Other origins get no CORS headers, so their browsers refuse the answer.
 */
export function codecCors(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return cors({
    origin: (origin, done) => done(null, origin !== undefined && allowed.has(origin)),
    methods: ['POST'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Namespace'],
    // The Temporal UI's "include cross-origin credentials" setting sends cookies; allowed for these origins.
    credentials: true,
    maxAge: 600,
  });
}

export function codecRoutes(deps: {
  codec: PayloadCodec;
  corsOrigins: readonly string[];
  /** Identify the caller (bearerAuth and what goes with it); each operation then needs the admin role. */
  auth: RequestHandler[];
}): Router {
  const r = express.Router();
  r.use(codecCors(deps.corsOrigins));
  r.use(...deps.auth);
  r.use(jsonBodiesOnly());
  r.use(express.json({ limit: CODEC_BODY_LIMIT }));
  for (const op of ['decode', 'encode'] as const) {
    r.post(`/${op}`, permit(`codec.${op}`), async (req, res) => {
      const parsed = Body.safeParse(req.body);
      if (!parsed.success) {
        return sendProblem(res, 'validation', {
          detail: 'the body must be { payloads: [{ metadata: { key: base64 }, data: base64 }] }',
        });
      }
      try {
        const out = await deps.codec[op](parsed.data.payloads.map(fromJson));
        res.json({ payloads: out.map(toJson) });
      } catch (err) {
        // An unknown key id or a payload that fails authentication: say which, never any payload content.
        sendProblem(res, 'validation', { detail: (err as Error).message });
      }
    });
  }
  return r;
}
