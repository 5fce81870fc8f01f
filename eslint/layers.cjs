/**
 * The one-way imports of ARCHITECTURE.md ("Layout"), enforced: a module under src/<area>/ may import only the
 * areas listed for it here (and its own area). A wrong import fails `npm run lint` with the rule's message.
 * Areas are the folders of src/ and its top-level files (config, main, server, worker). CommonJS, so that both
 * eslint.config.mjs and a jest test (test/deps/layers.test.ts) can load it.
 */
const path = require('node:path');

/** area -> areas it may import. `type:` entries may be imported for types only (`import type ...`). */
const LAYERS = {
  // The one spelling of a Genesys presence: what Genesys answers and what an alert's policy says must compare equal.
  'presence-name': [],
  shared: ['presence-name'],
  // An outgoing call's OpenTelemetry span and traceparent: no domain in it, so the Genesys client may use it too.
  'client-span': [],
  genesys: ['client-span', 'presence-name'],
  emulator: [], // an independent peer of the service: shares no code with it
  // Temporal's environment configuration (envconfig) made into connection options: the config and whoever connects.
  'temporal-connection': [],
  config: ['shared', 'temporal-connection'],
  dev: ['shared'],
  observability: ['shared', 'genesys'],
  workflows: ['shared', 'type:activities'],
  activities: ['shared', 'genesys', 'observability', 'agent-app', 'client-span'],
  'agent-app': ['shared', 'config', 'genesys', 'observability', 'temporal-connection', 'client-span'],
  // The payload codec (AES-GCM) and the data converter every Temporal Client and Worker uses; never workflows.
  codec: ['shared', 'config'],
  alerts: ['shared', 'config', 'workflows'],
  callbacks: ['shared', 'alerts'],
  api: ['shared', 'config', 'alerts', 'callbacks', 'agent-app', 'observability', 'codec'],
  // genesys + config: `genesys install-app` calls the Platform API; codec: visibility reads memos and results.
  cli: ['shared', 'config', 'alerts', 'genesys', 'codec', 'temporal-connection'],
  service: [
    'shared',
    'config',
    'genesys',
    'observability',
    'activities',
    'alerts',
    'api',
    'callbacks',
    'agent-app',
    'workflows',
    'codec',
    'temporal-connection',
  ],
  // Entry points wire everything.
  main: ['*'],
  server: ['*'],
  worker: ['*'],
};

/** The area of a file under src/ (its first path segment without extension), or undefined outside src/. */
function areaOf(file, srcDir) {
  const rel = path.relative(srcDir, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep)[0].replace(/\.(ts|js)$/, '');
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports between src/ areas follow the one-way layers of ARCHITECTURE.md' },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const srcDir = path.join(context.cwd, 'src');
    const from = areaOf(file, srcDir);
    if (!from || !(from in LAYERS)) return {};
    const allowed = LAYERS[from];
    const check = (node, source, typeOnly) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const to = areaOf(path.resolve(path.dirname(file), source), srcDir);
      if (!to || to === from || allowed.includes('*') || allowed.includes(to)) return;
      if (typeOnly && allowed.includes(`type:${to}`)) return;
      const may = allowed.length ? allowed.join(', ') : 'no other area';
      context.report({
        node,
        message: `src/${from} must not import src/${to} ('${source}'): imports point one way (ARCHITECTURE.md, Layout; eslint/layers.cjs). src/${from} may import: ${may}.`,
      });
    };
    return {
      ImportDeclaration: (n) =>
        check(
          n,
          n.source.value,
          n.importKind === 'type' ||
            (n.specifiers.length > 0 && n.specifiers.every((s) => s.importKind === 'type')),
        ),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value, n.exportKind === 'type'),
      ExportAllDeclaration: (n) => check(n, n.source.value, n.exportKind === 'type'),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value, false),
    };
  },
};

const layersPlugin = { rules: { 'one-way-imports': rule } };

module.exports = { LAYERS, layersPlugin };
