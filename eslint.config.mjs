import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './eslint/layers.cjs';

export default tseslint.config(
  {
    ignores: [
      'bin/**',
      'dist/**',
      'node_modules/**',
      '.tools/**',
      '.data/**',
      'coverage/**',
      '*.js',
      '*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The project's own ESLint rule: plain CommonJS run by Node, outside the TypeScript project.
    files: ['eslint/**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: 'commonjs',
      parserOptions: { projectService: false },
      globals: { require: 'readonly', module: 'writable' },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The one-way imports between src/ areas (ARCHITECTURE.md, Layout).
    files: ['src/**/*.ts'],
    plugins: { layers: layers.layersPlugin },
    rules: { 'layers/one-way-imports': 'error' },
  },
  {
    // The emulator's desktop page script runs in the browser as is (a classic script, no types, no build).
    files: ['src/emulator/desktop-page/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: 'script',
      parserOptions: { projectService: false },
      // The browser globals the page uses.
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'location',
          'fetch',
          'EventSource',
          'URLSearchParams',
          'setInterval',
          'setTimeout',
          'clearTimeout',
        ].map((g) => [g, 'readonly']),
      ),
    },
  },
  {
    // The agent app's page scripts: ES modules run in the browser as is (no types, no build).
    files: ['src/agent-app/web/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: 'module',
      ecmaVersion: 2020,
      parserOptions: { projectService: false },
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'location',
          'history',
          'fetch',
          'WebSocket',
          'URL',
          'URLSearchParams',
          'Intl',
          'crypto',
          'sessionStorage',
          'btoa',
          'atob',
          'escape',
          'unescape',
          'console',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
        ].map((g) => [g, 'readonly']),
      ),
    },
  },
  {
    // The API reference's initializer (GET /docs): a classic script run in the browser as is, after Swagger UI's bundle.
    files: ['src/api/docs-page/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: 'script',
      parserOptions: { projectService: false },
      globals: { window: 'readonly', SwaggerUIBundle: 'readonly' },
    },
  },
  {
    // Workflow code is replayed: it must be deterministic and import no Node APIs nor activity code.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*'],
              message: 'Workflow code cannot use Node APIs (it is replayed in a sandbox).',
            },
            {
              group: [
                'fs',
                'path',
                'os',
                'crypto',
                'http',
                'https',
                'net',
                'child_process',
                'events',
                'stream',
                'util',
                'worker_threads',
                'timers',
              ],
              message: 'Workflow code cannot use Node APIs (it is replayed in a sandbox).',
            },
            {
              group: ['**/activities/*', '!**/activities/types'],
              message: 'Workflows import activity types only.',
              allowTypeImports: true,
            },
            {
              group: [
                'undici',
                'express',
                'pino',
                'nodemailer',
                'better-sqlite3',
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/activity',
              ],
              message: 'Not allowed in workflow code.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use a workflow timer.' },
        { name: 'process', message: 'No process access in workflow code.' },
      ],
    },
  },
);
