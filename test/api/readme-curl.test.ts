/**
 * Issue 17 item 1: the README's curl examples are checked against the OpenAPI document, so neither can drift from
 * the other. Every curl to the ingress (`$API`, or 127.0.0.1:8080) in a README code block must name an operation the
 * document has (path and method), send the API key where the operation needs one, send header parameters the
 * document accepts, and send a body valid against the operation's request schema (ajv, JSON Schema 2020-12), except
 * an example its comment announces as a 400, whose body must then be invalid.
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { buildOpenApi } from '../../src/api/openapi';

interface Curl {
  line: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** The comment above the command announces a 400. */
  expectsBadRequest: boolean;
}

const INGRESS = /^(?:\$API|\$\{API\}|http:\/\/(?:127\.0\.0\.1|localhost):8080)(\/[^\s'"]*)/;

/** Words of a shell command: quotes kept together (no expansion; `$API` stays as written). */
function words(command: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(command); m; m = re.exec(command)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/** Every curl to the ingress in the README's code blocks, continuation lines joined. */
function readmeCurls(markdown: string): Curl[] {
  const curls: Curl[] = [];
  const lines = markdown.split('\n');
  let inBlock = false;
  let comment = '';
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.startsWith('```')) {
      inBlock = !inBlock;
      comment = '';
      continue;
    }
    if (!inBlock) continue;
    if (lines[i]!.trim().startsWith('#')) {
      comment = lines[i]!;
      continue;
    }
    const start = i;
    let text = lines[i]!;
    // A command goes on after a trailing backslash, and inside an open single quote (a multi-line -d body).
    // (A shell comment ` # ...` is left out of the count: "mode's" in one opens no quote.)
    const quoteOpen = (t: string) => (t.replace(/\s#\s.*$/, '').match(/'/g)?.length ?? 0) % 2 === 1;
    while (i + 1 < lines.length && (text.endsWith('\\') || quoteOpen(text)))
      text = text.endsWith('\\') ? `${text.slice(0, -1)} ${lines[++i]}` : `${text}\n${lines[++i]}`;
    for (const part of text.split(/\bcurl\s/).slice(1)) {
      const w = words(part.replace(/\s#.*$/, ''));
      const url = w.map((x) => INGRESS.exec(x)).find(Boolean);
      if (!url) continue;
      const headers: Record<string, string> = {};
      let method: string | undefined;
      let body: string | undefined;
      for (let k = 0; k < w.length; k++) {
        if (w[k] === '-X') method = w[++k];
        else if (w[k] === '-H') {
          const [name, ...value] = w[++k]!.split(':');
          headers[name!.trim().toLowerCase()] = value.join(':').trim();
        } else if (w[k] === '-d' || w[k] === '--data') body = w[++k];
      }
      curls.push({
        line: start + 1,
        method: (method ?? (body === undefined ? 'GET' : 'POST')).toLowerCase(),
        path: url[1]!,
        headers,
        body,
        expectsBadRequest: /\b400\b/.test(comment),
      });
    }
    comment = '';
  }
  return curls;
}

const doc = buildOpenApi() as {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, unknown>;
};
interface Operation {
  security?: Array<Record<string, unknown>>;
  parameters?: Array<{ name: string; in: string; schema: object }>;
  requestBody?: { content: Record<string, { schema: object }> };
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
/** A schema of the document, its `#/components/...` references resolved against the document. */
const compile = (schema: object) => ajv.compile({ ...schema, components: doc.components });

function operationFor(method: string, urlPath: string): { template: string; op: Operation } | undefined {
  const pathOnly = urlPath.split('?')[0]!;
  for (const [template, item] of Object.entries(doc.paths)) {
    const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (re.test(pathOnly) && item[method]) return { template, op: item[method] };
  }
  return undefined;
}

const curls = readmeCurls(fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8'));

test('the README has curl examples to check (the parser finds them)', () => {
  expect(curls.length).toBeGreaterThanOrEqual(6);
  expect(curls.filter((c) => c.body !== undefined).length).toBeGreaterThanOrEqual(4);
});

test.each(curls.map((c) => [`README line ${c.line}: ${c.method.toUpperCase()} ${c.path}`, c] as const))(
  '%s matches the OpenAPI document',
  (_name, c) => {
    const found = operationFor(c.method, c.path);
    expect(found).toBeDefined();
    const { op } = found!;
    if (op.security?.some((s) => 'bearerAuth' in s)) expect(c.headers.authorization).toMatch(/^Bearer \S+$/);
    for (const p of op.parameters ?? []) {
      const value = c.headers[p.name.toLowerCase()];
      if (p.in === 'header' && value !== undefined) expect(compile(p.schema)(value)).toBe(true);
    }
    if (c.body === undefined) return;
    const media = op.requestBody?.content['application/json'];
    expect(media).toBeDefined();
    expect(c.headers['content-type']).toBe('application/json');
    const validate = compile(media!.schema);
    const valid = validate(JSON.parse(c.body));
    expect({ valid, errors: valid ? null : validate.errors }).toEqual(
      c.expectsBadRequest ? { valid: false, errors: expect.any(Array) } : { valid: true, errors: null },
    );
  },
);

test('the checker catches a drifted example: an unknown path, a wrong method, a bad body', () => {
  const drifted = readmeCurls(
    [
      '```bash',
      'curl -s -X POST $API/v1/alert -d \'{"title":"x"}\'',
      'curl -s -X DELETE $API/v1/alerts/alert-x',
      'curl -s -X POST $API/v1/alerts -H \'Content-Type: application/json\' -d \'{"title":"x"}\'',
      '```',
    ].join('\n'),
  );
  expect(drifted.map((c) => operationFor(c.method, c.path) !== undefined)).toEqual([false, false, true]);
  const schema = doc.paths['/v1/alerts']!.post!.requestBody!.content['application/json']!.schema;
  expect(compile(schema)(JSON.parse(drifted[2]!.body!))).toBe(false);
});

test('every request body in the document has an example that its own schema accepts', () => {
  for (const [template, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item)) {
      const media = op.requestBody?.content['application/json'] as
        { schema: object; example?: unknown } | undefined;
      if (!media) continue;
      expect([template, method, media.example !== undefined]).toEqual([template, method, true]);
      expect([template, method, compile(media.schema)(media.example)]).toEqual([template, method, true]);
    }
});
