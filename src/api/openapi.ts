import { z } from 'zod';
import { AlertRequestSchema, DesktopCallbackSchema } from '../shared/schemas';
import { CALLBACK_PATH } from '../shared/constants';
import { PERMISSIONS, type Action } from './auth';
import { PROBLEM_TYPES } from './problem';

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
const bearer = [{ bearerAuth: [] }];
/** A required JSON body of an object with these string properties, all required. */
const stringsBody = (...names: string[]) => ({
  required: true,
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: names,
        properties: Object.fromEntries(names.map((n) => [n, { type: 'string' }])),
      },
    },
  },
});

/** What every /v1 operation shares: the key, the roles allowed (403 for the others), the per-key limit (429). */
const v1 = (action: Action, ownOnly = false) => ({
  security: bearer,
  description: `Roles: ${PERMISSIONS[action].join(', ')}${ownOnly ? " (a sender only for the alerts its own key started; another's answers 404)" : ''}.`,
  'x-roles': [...PERMISSIONS[action]],
});
const v1Problems = {
  '401': problemResponse('Missing or unknown API key'),
  '403': problemResponse("The key's role may not do this"),
  '429': problemResponse(
    "Over this key's requests per minute (INGRESS_RATE_LIMIT_PER_MINUTE); see Retry-After",
  ),
};
const alertIdParam = { name: 'alertId', in: 'path', required: true, schema: { type: 'string' } };

/** OpenAPI 3.1 for the public API, built from the same zod schemas the routes parse with. */
export function buildOpenApi(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'desktop-alerts ingress',
      version: '1',
      description: 'Durable alerts to Genesys Cloud agent desktops.',
    },
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'One of INGRESS_API_KEYS' },
      },
      schemas: {
        AlertRequest: schema(AlertRequestSchema),
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
        DeadLetter: { type: 'object' },
      },
    },
    paths: {
      '/v1/alerts': {
        post: {
          summary: 'Start an alert',
          ...v1('alert.start'),
          parameters: [
            { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/AlertRequest' } } },
          },
          responses: {
            '202': json('StartAlertResponse', 'Accepted'),
            '200': json(
              'StartAlertResponse',
              'The same idempotency key was already used: the existing alert',
            ),
            '400': problemResponse('Invalid request; `errors` names each bad field'),
            ...v1Problems,
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
          ...v1('alert.read', true),
          parameters: [alertIdParam],
          responses: {
            '200': json('AlertState', 'State'),
            ...v1Problems,
            '404': problemResponse('Unknown alert'),
          },
        },
      },
      '/v1/alerts/{alertId}/cancel': {
        post: {
          summary: 'Cancel an alert',
          ...v1('alert.cancel', true),
          parameters: [alertIdParam],
          responses: {
            '202': { description: 'Cancellation requested' },
            ...v1Problems,
            '404': problemResponse('Unknown alert'),
            '409': problemResponse('Already closed'),
          },
        },
      },
      '/v1/dead-letters': {
        get: {
          summary: 'List dead-lettered callbacks',
          ...v1('deadLetter.list'),
          responses: { '200': { description: 'Dead letters' }, ...v1Problems },
        },
      },
      '/v1/dead-letters/{id}/replay': {
        post: {
          summary: 'Replay one dead letter',
          ...v1('deadLetter.replay'),
          responses: {
            '202': { description: 'Queued again' },
            ...v1Problems,
            '404': problemResponse('Unknown'),
            '409': problemResponse('Not replayable'),
          },
        },
      },
      '/v1/dead-letters/replay': {
        post: {
          summary: 'Replay every dead letter',
          ...v1('deadLetter.replay'),
          responses: { '202': { description: 'Counts' }, ...v1Problems },
        },
      },
      [CALLBACK_PATH]: {
        post: {
          summary: 'Desktop callback (Standard Webhooks signed)',
          parameters: ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => ({
            name,
            in: 'header',
            required: true,
            schema: { type: 'string' },
          })),
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/DesktopCallback' } } },
          },
          responses: {
            '202': { description: 'Stored; will be applied' },
            '200': { description: 'Already received (duplicate)' },
            '400': problemResponse('Malformed JSON or invalid body (kept as a dead letter)'),
            '401': problemResponse('Missing, bad or stale signature (nothing stored)'),
          },
        },
      },
      '/agent-app/session': {
        post: {
          summary:
            "The agent app's sign-in: the agent's Genesys token for a service session (src/agent-app/README.md)",
          requestBody: stringsBody('accessToken'),
          responses: {
            '200': { description: '{sessionToken, expiresAt, user: {id, name, email}}' },
            '400': problemResponse('Malformed body'),
            '401': problemResponse('Genesys refused the token (invalid, expired, or not a user token)'),
            '503': problemResponse('Genesys could not be reached'),
          },
        },
      },
      '/agent-app/actions': {
        post: {
          summary: "An agent's click in the agent app (Authorization: Bearer <sessionToken>)",
          requestBody: stringsBody('notificationId', 'actionId'),
          responses: {
            '202': { description: 'Stored; will be applied' },
            '200': { description: 'Already received (duplicate)' },
            '400': problemResponse('Malformed body'),
            '401': problemResponse('Missing, invalid or expired session'),
            '403': problemResponse("Another agent's notification"),
            '404': problemResponse('Unknown notification or action'),
          },
        },
      },
      '/healthz': { get: { summary: 'Process is up', responses: { '200': { description: 'OK' } } } },
      '/readyz': {
        get: {
          summary: 'Temporal reachable',
          responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready' } },
        },
      },
      '/metrics': {
        get: { summary: 'Prometheus metrics', responses: { '200': { description: 'Metrics' } } },
      },
    },
  };
}
