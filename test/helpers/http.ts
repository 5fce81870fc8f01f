/** Calling the ingress over real HTTP from tests: a JSON API caller with a bearer key, and polling an alert. */

export interface ApiAnswer {
  status: number;
  /** The parsed body; `{ text }` when it was not JSON, `{}` when empty. */
  json: Record<string, unknown>;
  headers: Headers;
}

export type ApiCall = (
  path: string,
  opts?: { body?: unknown; headers?: Record<string, string>; key?: string },
) => Promise<ApiAnswer>;

/** GET without a body, POST with one (JSON), authorised with `key` unless the call names another. */
export function apiCaller(baseUrl: string, key: string): ApiCall {
  return async (path, o = {}) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method: o.body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${o.key ?? key}`, 'content-type': 'application/json', ...o.headers },
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
    });
    const text = await res.text();
    let json: Record<string, unknown>;
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      json = { text };
    }
    return { status: res.status, json, headers: res.headers };
  };
}

/** Poll GET /v1/alerts/:id until `pred` holds; the error names the last state seen. */
export async function waitForAlert(
  api: ApiCall,
  alertId: string,
  pred: (s: Record<string, unknown>) => boolean,
  timeoutMs = 20_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    const r = await api(`/v1/alerts/${alertId}`);
    last = r.json;
    if (r.status === 200 && pred(r.json)) return r.json;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`alert ${alertId} never reached the expected state; last: ${JSON.stringify(last)}`);
}
