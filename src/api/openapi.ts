import { z } from 'zod';
import { AlertRequestSchema, DesktopCallbackSchema } from '../shared/schemas';
import { CALLBACK_PATH } from '../shared/constants';
import { PERMISSIONS, type Action } from './auth';
import { PROBLEM_TYPES } from './problem';
import { BEARER_TOKEN_PATTERN } from '../agent-app/session-token';

const schema = (s: z.ZodType) => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
};

const problem = { $ref: '#/components/schemas/Problem' };
const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problem } },
});
const json = (ref: string, description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});
const jsonBody = (schema: Record<string, unknown>, example: unknown, required = true) => ({
  required,
  content: { 'application/json': { schema, example } },
});
/** A JSON object of these string properties, all required, nothing else (the routes parse it strictly). */
const strings = (limits: Record<string, number>) => ({
  type: 'object',
  additionalProperties: false,
  required: Object.keys(limits),
  properties: Object.fromEntries(
    Object.entries(limits).map(([n, max]) => [n, { type: 'string', minLength: 1, maxLength: max }]),
  ),
});
const statusBody = (...values: string[]) => ({
  type: 'object',
  required: ['status'],
  properties: { status: { enum: values } },
});
const jsonOf = (description: string, s: Record<string, unknown>) => ({
  description,
  content: { 'application/json': { schema: s } },
});

/** What every API-key operation shares: the key, the roles allowed (403 for the others), the per-key limit (429). */
const keyed = (action: Action, ownOnly = false) => ({
  security: [{ bearerAuth: [] }],
  description: `Roles: ${PERMISSIONS[action].join(', ')}${ownOnly ? " (a sender only for the alerts its own key started; another's answers 404)" : ''}.`,
  'x-roles': [...PERMISSIONS[action]],
});
/** Answered by the layers in front of every API-key route (src/api/app.ts `identify`, json-bodies.ts, the parser). */
const keyedProblems = (bodyLimit: string) => ({
  '400': problemResponse(
    'Invalid request: a bad field (`errors` names each), malformed JSON, or a path that does not decode',
  ),
  '401': problemResponse('Missing or unknown API key (WWW-Authenticate: Bearer)'),
  '403': problemResponse("The key's role may not do this"),
  '413': problemResponse(`The body is over ${bodyLimit}`),
  '415': problemResponse('A body that is not application/json in UTF-8'),
  '429': problemResponse(
    "Over this key's requests per minute (INGRESS_RATE_LIMIT_PER_MINUTE); see Retry-After",
  ),
});
const temporalDown = problemResponse('Temporal unreachable; retry after Retry-After seconds');
const alertIdParam = {
  name: 'alertId',
  in: 'path',
  required: true,
  description: 'alert-<idempotency key>; anything else is an unknown alert (404)',
  schema: { type: 'string', minLength: 1 },
  example: 'alert-txn-88921-review',
};

/** The semantic rules a JSON Schema cannot state: written where a reader and a generator see them. */
const ALERT_RULES =
  'Also checked, each answered 400 with `errors` naming the field: `expiresAt` must be in the future and at most ' +
  "24 hours ahead; an openUrl action's host must be on ACTION_URL_ALLOWED_HOSTS; `fallback.email` must be at a " +
  'FALLBACK_EMAIL_ALLOWED_DOMAINS domain (with none configured, leave it out); `fallback.channels` must be ' +
  'configured on the service; action ids are unique; `Idempotency-Key` and `idempotencyKey` agree when both are sent.';

const ALERT_EXAMPLE = {
  target: { email: 'agent@example.com' },
  title: 'Fraud review',
  message: 'Transaction 88921 needs your review',
  type: 'warning',
  priority: 'high',
  actions: [
    { id: 'ack', label: 'Acknowledge', actionType: 'callback' },
    { label: 'Open case', actionType: 'openUrl', url: 'https://crm.example.com/cases/88921' },
  ],
  idempotencyKey: 'txn-88921-review',
  metadata: { transactionId: '88921' },
};

function alertRequestSchema(): Record<string, unknown> {
  const s = schema(AlertRequestSchema) as { description?: string; properties: Record<string, object> };
  s.description = ALERT_RULES;
  s.properties.expiresAt = {
    ...s.properties.expiresAt,
    description:
      'When the alert stops (RFC 3339 with an offset). Must be in the future and at most 24 hours from now ' +
      '(Genesys drops notifications after 24 h); otherwise 400. Default: now + DEFAULT_ALERT_TTL_SECONDS.',
  };
  return s;
}

export interface OpenApiOptions {
  /** DESKTOP_CHANNELS has agent-app: its session exchange and clicks are served. */
  agentApp?: boolean;
  /** TEMPORAL_PAYLOAD_KEYS is set: the codec endpoint is served. */
  codec?: boolean;
  /** METRICS_TOKEN is set: /metrics needs it. */
  metricsToken?: boolean;
}

/**
 * OpenAPI 3.1 for the public API, built from the same zod schemas the routes parse with. With no options, every
 * optional route is in (the full API, for documentation and client generation); the running ingress serves the
 * document for what it actually serves.
 */
export function buildOpenApi(
  opts: OpenApiOptions = { agentApp: true, codec: true, metricsToken: true },
): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'desktop-alerts ingress',
      version: '1',
      description: 'Durable alerts to Genesys Cloud agent desktops.',
    },
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key, one of INGRESS_API_KEYS (its role decides what it may do)',
        },
        // Standard Webhooks (https://www.standardwebhooks.com): three headers that together are the credential.
        // Declared as API keys in headers, all three required at once, so generators and fuzzers know each is
        // needed and that a request without them is refused (401).
        webhookId: {
          type: 'apiKey',
          in: 'header',
          name: 'webhook-id',
          description: 'Standard Webhooks message id (also the delivery id that deduplicates retries)',
        },
        webhookTimestamp: {
          type: 'apiKey',
          in: 'header',
          name: 'webhook-timestamp',
          description: 'Standard Webhooks timestamp, Unix seconds, within 5 minutes of now',
        },
        webhookSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'webhook-signature',
          description:
            'Standard Webhooks signature: `v1,` + base64(HMAC-SHA256(key, `${webhook-id}.${webhook-timestamp}.${body}`)), ' +
            'key = the base64 after `whsec_` in CALLBACK_SIGNING_SECRET; several space-separated entries allowed',
        },
        ...(opts.agentApp
          ? {
              agentSession: {
                type: 'http',
                scheme: 'bearer',
                description: 'An agent-app session token from POST /agent-app/session',
              },
            }
          : {}),
        ...(opts.metricsToken
          ? { metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN' } }
          : {}),
      },
      schemas: {
        AlertRequest: alertRequestSchema(),
        DesktopCallback: schema(DesktopCallbackSchema),
        StartAlertResponse: {
          type: 'object',
          required: ['alertId', 'status'],
          properties: { alertId: { type: 'string' }, status: { enum: ['accepted', 'duplicate'] } },
        },
        AlertState: {
          type: 'object',
          description: 'The alert state (stage, agent, notification id, actions, fallback, failure reason)',
        },
        Problem: {
          type: 'object',
          description: `RFC 9457 problem details. Types: ${Object.values(PROBLEM_TYPES)
            .map((p) => p.type)
            .join(', ')}`,
          required: ['type', 'title', 'status'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            requestId: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                required: ['field', 'message'],
                properties: { field: { type: 'string' }, message: { type: 'string' } },
              },
            },
          },
        },
        DeadLetter: {
          type: 'object',
          description: 'A callback the relay could not apply (GET /v1/dead-letters)',
          required: [
            'id',
            'key',
            'alertId',
            'reason',
            'detail',
            'callback',
            'rawBody',
            'deliveryId',
            'correlationId',
            'attempts',
            'receivedAt',
            'updatedAt',
          ],
          properties: {
            id: { type: 'integer', description: 'What POST /v1/dead-letters/{id}/replay takes' },
            key: {
              type: ['string', 'null'],
              description: 'notificationId:actionId; null for a body that never parsed',
            },
            alertId: { type: ['string', 'null'] },
            reason: {
              type: ['string', 'null'],
              description: 'Why the relay gave up (e.g. unknown_alert, alert_closed, invalid_schema)',
            },
            detail: { type: ['string', 'null'] },
            callback: { description: 'The parsed callback; null for a body that never parsed' },
            rawBody: {
              type: ['string', 'null'],
              description: 'The body as received, kept only when it could not be parsed',
            },
            deliveryId: { type: ['string', 'null'], description: 'The webhook-id of the delivery' },
            correlationId: { type: ['string', 'null'] },
            attempts: { type: 'integer', minimum: 0 },
            receivedAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
          },
        },
      },
    },
    paths: {
      '/v1/alerts': {
        post: {
          summary: 'Start an alert',
          ...keyed('alert.start'),
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' },
            },
          ],
          requestBody: jsonBody({ $ref: '#/components/schemas/AlertRequest' }, ALERT_EXAMPLE),
          responses: {
            '202': json('StartAlertResponse', 'Accepted'),
            '200': json(
              'StartAlertResponse',
              'The same idempotency key was already used: the existing alert',
            ),
            ...keyedProblems('64 kB'),
            '400': problemResponse(`Invalid request; \`errors\` names each bad field. ${ALERT_RULES}`),
            '409': problemResponse('The idempotency key was already used by another API key'),
            '503': {
              description:
                'Temporal unreachable or did not confirm the start in time; retry after Retry-After seconds. The start may have happened ' +
                'anyway, so the body carries the alertId and the idempotencyKey (generated when the request had none): retry with that ' +
                'key and a start that did happen is answered 200 duplicate instead of making a second alert. Always send a key.',
              content: {
                'application/problem+json': {
                  schema: {
                    allOf: [problem],
                    properties: {
                      alertId: { type: 'string', description: 'The alert whose start is in doubt' },
                      idempotencyKey: {
                        type: 'string',
                        description: 'Send it again (body or Idempotency-Key header) when retrying',
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
      '/v1/alerts/{alertId}': {
        get: {
          summary: "An alert's state",
          ...keyed('alert.read', true),
          parameters: [alertIdParam],
          responses: {
            '200': json('AlertState', 'State'),
            ...keyedProblems('64 kB'),
            '404': problemResponse('Unknown alert'),
            '503': temporalDown,
          },
        },
      },
      '/v1/alerts/{alertId}/cancel': {
        post: {
          summary: 'Cancel an alert',
          ...keyed('alert.cancel', true),
          parameters: [alertIdParam],
          requestBody: jsonBody(
            {
              type: 'object',
              properties: {
                reason: { type: 'string', description: 'Kept with the alert (first 200 characters)' },
              },
            },
            { reason: 'sent by mistake' },
            false,
          ),
          responses: {
            '202': jsonOf('Cancellation requested', {
              type: 'object',
              required: ['alertId', 'status'],
              properties: { alertId: { type: 'string' }, status: { const: 'cancelling' } },
            }),
            ...keyedProblems('64 kB'),
            '404': problemResponse('Unknown alert'),
            '409': problemResponse('Already closed'),
            '503': temporalDown,
          },
        },
      },
      '/v1/dead-letters': {
        get: {
          summary: 'List dead-lettered callbacks',
          ...keyed('deadLetter.list'),
          parameters: [
            {
              name: 'limit',
              in: 'query',
              required: false,
              description: 'At most this many (default 100; above 1000 is read as 1000)',
              schema: { type: 'integer', minimum: 1, maximum: 999_999_999_999_999 },
            },
            {
              name: 'after',
              in: 'query',
              required: false,
              description: 'Only ids above this one (the `next` link of the previous page)',
              schema: { type: 'integer', minimum: 0, maximum: 999_999_999_999_999 },
            },
          ],
          responses: {
            '200': jsonOf('Dead letters, oldest first', {
              type: 'object',
              required: ['items', 'total', 'next'],
              properties: {
                items: { type: 'array', items: { $ref: '#/components/schemas/DeadLetter' } },
                total: { type: 'integer' },
                next: { type: ['string', 'null'], description: 'The query of the next page, if any' },
              },
            }),
            ...keyedProblems('64 kB'),
          },
        },
      },
      '/v1/dead-letters/{id}/replay': {
        post: {
          summary: 'Replay one dead letter',
          ...keyed('deadLetter.replay'),
          parameters: [
            {
              name: 'id',
              in: 'path',
              required: true,
              description: 'The dead letter id (GET /v1/dead-letters)',
              schema: { type: 'integer', minimum: 0, maximum: 999_999_999_999_999 },
              example: 1,
            },
          ],
          responses: {
            '202': jsonOf('Queued again', {
              type: 'object',
              required: ['id', 'status'],
              properties: { id: { type: 'integer' }, status: { const: 'replayed' } },
            }),
            ...keyedProblems('64 kB'),
            '404': problemResponse('Unknown'),
            '409': problemResponse('Not replayable'),
          },
        },
      },
      '/v1/dead-letters/replay': {
        post: {
          summary: 'Replay every dead letter',
          ...keyed('deadLetter.replay'),
          responses: {
            '202': jsonOf('Counts', { type: 'object' }),
            ...keyedProblems('64 kB'),
          },
        },
      },
      ...(opts.codec ? codecPaths() : {}),
      [CALLBACK_PATH]: {
        post: {
          summary: 'Desktop callback (Standard Webhooks signed)',
          description:
            'The body is verified byte for byte, whatever its Content-Type. Bad signatures store nothing; a signed ' +
            'body that is not a usable callback is kept as a dead letter and answered 400.',
          security: [{ webhookId: [], webhookTimestamp: [], webhookSignature: [] }],
          requestBody: jsonBody(
            { $ref: '#/components/schemas/DesktopCallback' },
            {
              notificationId: 'n-5b0e1c4a',
              userId: '6a3f2c10-0000-4000-8000-000000000001',
              actionId: 'ack',
              metadata: { alertId: 'alert-txn-88921-review' },
              timestamp: '2026-01-01T12:00:00Z',
            },
          ),
          responses: {
            '202': jsonOf('Stored; will be applied', statusBody('accepted')),
            '200': jsonOf('Already received (duplicate)', statusBody('duplicate')),
            '400': problemResponse('Malformed JSON or invalid body (kept as a dead letter)'),
            '401': problemResponse('Missing, bad or stale signature (nothing stored)'),
            '413': problemResponse('The body is over 64 kB'),
            '500': problemResponse('Could not be stored; retry'),
            '503': problemResponse('CALLBACK_SIGNING_SECRET is not configured (development only)'),
          },
        },
      },
      ...(opts.agentApp ? agentAppPaths() : {}),
      '/healthz': {
        get: {
          summary: 'Process is up',
          responses: { '200': jsonOf('OK', statusBody('ok')) },
        },
      },
      '/readyz': {
        get: {
          summary: 'Temporal reachable',
          responses: {
            '200': jsonOf('Ready', statusBody('ready')),
            '503': jsonOf('Not ready', statusBody('temporal_unreachable')),
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          ...(opts.metricsToken ? { security: [{ metricsToken: [] }] } : {}),
          responses: {
            '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
            ...(opts.metricsToken ? { '401': problemResponse('Missing or wrong METRICS_TOKEN') } : {}),
          },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This document',
          responses: { '200': jsonOf('OpenAPI 3.1', { type: 'object' }) },
        },
      },
    },
  };
}

function codecPaths(): Record<string, unknown> {
  const payloads = {
    type: 'object',
    required: ['payloads'],
    properties: {
      payloads: {
        type: 'array',
        maxItems: 10_000,
        items: {
          type: 'object',
          properties: {
            metadata: {
              type: 'object',
              additionalProperties: { type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$' },
            },
            data: { type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$' },
          },
        },
      },
    },
  };
  const example = { payloads: [{ metadata: { encoding: 'anNvbi9wbGFpbg==' }, data: 'eyJhIjoxfQ==' }] };
  const op = (action: 'codec.decode' | 'codec.encode', summary: string) => ({
    post: {
      summary,
      ...keyed(action),
      requestBody: jsonBody(payloads, example),
      responses: {
        '200': jsonOf('The payloads, in the same order', payloads),
        ...keyedProblems('4 MB'),
        '400': problemResponse(
          'Not a payloads body, an unknown key id, or a payload that fails authentication',
        ),
      },
    },
    options: {
      summary: 'CORS preflight (TEMPORAL_CODEC_CORS_ORIGINS); no credentials',
      security: [],
      responses: {
        '204': { description: 'A preflight from a configured origin: answered with its CORS headers' },
        '200': { description: 'Not a preflight from a configured origin: the methods served, in Allow' },
      },
    },
  });
  return {
    '/codec/decode': op('codec.decode', "Temporal codec server: decrypt payloads (the UI's codec endpoint)"),
    '/codec/encode': op('codec.encode', 'Temporal codec server: encrypt payloads'),
  };
}

/** `{accessToken}`: the agent's Genesys token, a bearer token (RFC 6750) or a 400. */
function sessionBody(): Record<string, unknown> {
  const body = strings({ accessToken: 8192 });
  Object.assign(body.properties.accessToken!, { pattern: BEARER_TOKEN_PATTERN });
  return body;
}

function agentAppPaths(): Record<string, unknown> {
  return {
    '/agent-app/session': {
      post: {
        summary:
          "The agent app's sign-in: the agent's Genesys token for a service session (src/agent-app/README.md)",
        security: [],
        requestBody: jsonBody(sessionBody(), { accessToken: 'c2VjcmV0LXRva2Vu' }),
        responses: {
          '200': jsonOf('The session', {
            type: 'object',
            required: ['sessionToken', 'expiresAt', 'user'],
            properties: {
              sessionToken: { type: 'string' },
              expiresAt: { type: 'string', format: 'date-time' },
              user: { type: 'object' },
            },
          }),
          '400': problemResponse('Malformed body'),
          '401': problemResponse('Genesys refused the token (invalid, expired, or not a user token)'),
          '413': problemResponse('The body is over 16 kB'),
          '503': problemResponse('Genesys could not be reached'),
        },
      },
    },
    '/agent-app/actions': {
      post: {
        summary: "An agent's click in the agent app",
        security: [{ agentSession: [] }],
        requestBody: jsonBody(strings({ notificationId: 400, actionId: 200 }), {
          notificationId: '<the id the live connection delivered>',
          actionId: 'ack',
        }),
        responses: {
          '202': jsonOf('Stored; will be applied', statusBody('accepted')),
          '200': jsonOf('Already received (duplicate)', statusBody('duplicate')),
          '400': problemResponse('Malformed body'),
          '401': problemResponse('Missing, invalid or expired session'),
          '403': problemResponse("Another agent's notification"),
          '404': problemResponse('Unknown notification or action'),
          '413': problemResponse('The body is over 16 kB'),
          '500': problemResponse('Could not be stored; retry'),
        },
      },
    },
  };
}
