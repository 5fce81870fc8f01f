/** Genesys-shaped error bodies: {message, code, status, contextId, details, errors}, default code per status. */

const defaultCodes: Record<number, [string, string]> = {
  400: ['bad.request', 'The request could not be understood by the server due to malformed syntax.'],
  401: ['bad.credentials', 'Invalid login credentials.'],
  403: ['not.authorized', 'You are not authorized to perform the requested action.'],
  404: ['not.found', 'The requested resource was not found.'],
  405: ['method.not.allowed', 'The requested method is not allowed on this resource.'],
  409: ['conflict', 'The request conflicts with the current state of the resource.'],
  413: ['request.entity.too.large', 'The request is too large.'],
  415: [
    'unsupported.media.type',
    'Unsupported Media Type - Unsupported or incorrect media type, such as an incorrect Content-Type value in the header.',
  ],
  429: [
    'too.many.requests.retry.after',
    'Rate limit exceeded the maximum. Retry the request in [%s] seconds',
  ],
  500: [
    'internal.server.error',
    'The server encountered an unexpected condition which prevented it from fulfilling the request.',
  ],
  502: ['bad.gateway', 'The server received an invalid response from an upstream server.'],
  503: [
    'service.unavailable',
    'Service Unavailable - The server is currently unavailable (because it is overloaded or down for maintenance).',
  ],
  504: ['gateway.timeout', 'The request timed out.'],
};

export interface GenesysErrorBody {
  message: string;
  code: string;
  status: number;
  contextId: string;
  details: unknown[];
  errors: unknown[];
}

export function genesysError(
  status: number,
  contextId: string,
  opts: { code?: string; message?: string; details?: unknown[]; errors?: unknown[] } = {},
): GenesysErrorBody {
  const [code, message] = defaultCodes[status] ?? (status >= 500 ? defaultCodes[500]! : defaultCodes[400]!);
  return {
    message: opts.message ?? message,
    code: opts.code ?? code,
    status,
    contextId,
    details: opts.details ?? [],
    errors: opts.errors ?? [],
  };
}

/** The message of a 429 answer. */
export function rateLimitMessage(retryAfterSeconds: number): string {
  return `Rate limit exceeded the maximum. Retry the request in [${retryAfterSeconds}] seconds`;
}
