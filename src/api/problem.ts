import type { Response } from 'express';

/** RFC 9457 problem details. `type` values are relative URIs documented in /openapi.json. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: Array<{ field: string; message: string }>;
  [ext: string]: unknown;
}

export const PROBLEM_TYPES = {
  validation: { type: '/problems/validation-error', title: 'The request is invalid', status: 400 },
  malformedJson: { type: '/problems/malformed-json', title: 'The body is not valid JSON', status: 400 },
  unauthorized: { type: '/problems/unauthorized', title: 'Unauthorized', status: 401 },
  invalidSignature: {
    type: '/problems/invalid-signature',
    title: 'Signature verification failed',
    status: 401,
  },
  forbidden: { type: '/problems/forbidden', title: 'Forbidden', status: 403 },
  notFound: { type: '/problems/not-found', title: 'Not found', status: 404 },
  methodNotAllowed: { type: '/problems/method-not-allowed', title: 'Method not allowed', status: 405 },
  conflict: { type: '/problems/conflict', title: 'Conflict', status: 409 },
  tooLarge: { type: '/problems/payload-too-large', title: 'The body is too large', status: 413 },
  unsupportedMedia: {
    type: '/problems/unsupported-media-type',
    title: 'Content-Type must be application/json',
    status: 415,
  },
  tooManyRequests: { type: '/problems/too-many-requests', title: 'Too many requests', status: 429 },
  unavailable: {
    type: '/problems/temporal-unavailable',
    title: 'The workflow service is unreachable',
    status: 503,
  },
  genesysUnavailable: {
    type: '/problems/genesys-unavailable',
    title: 'Genesys Cloud could not be reached',
    status: 503,
  },
  internal: { type: '/problems/internal', title: 'Internal error', status: 500 },
} as const;

export type ProblemKind = keyof typeof PROBLEM_TYPES;

export function sendProblem(
  res: Response,
  kind: ProblemKind,
  extra: { detail?: string; errors?: Problem['errors']; instance?: string; [k: string]: unknown } = {},
): void {
  const base = PROBLEM_TYPES[kind];
  const requestId = (res.locals as { requestId?: string }).requestId;
  const body: Problem = {
    ...base,
    instance: extra.instance ?? res.req.originalUrl,
    ...(requestId ? { requestId } : {}),
    ...extra,
  };
  res.status(base.status).type('application/problem+json').send(JSON.stringify(body));
}
