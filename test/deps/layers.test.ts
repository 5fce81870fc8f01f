/**
 * The one-way import rule (eslint/layers.cjs) fails a wrong import and passes an allowed one, so a change that
 * reaches back up a layer fails `npm run lint` (issue 12). Runs ESLint's own API on code that is never written.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const root = path.resolve(__dirname, '../..');

async function lint(file: string, code: string): Promise<string[]> {
  // eslint.config.mjs loads the same plugin; the full config is not used here because its typed rules need every
  // linted file to exist in the TypeScript project.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS file outside the TS project
  const { layersPlugin } = require(path.join(root, 'eslint/layers.cjs')) as { layersPlugin: ESLint.Plugin };
  const eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser as never },
        plugins: { layers: layersPlugin },
        rules: { 'layers/one-way-imports': 'error' },
      },
    ],
  });
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.map((m) => m.message);
}

test('a workflow importing activity code or the API fails, naming what it may import', async () => {
  const messages = await lint(
    'src/workflows/example.ts',
    "import { createActivities } from '../activities';\nimport { sendProblem } from '../api/problem';\n",
  );
  expect(messages).toEqual([
    expect.stringContaining("src/workflows must not import src/activities ('../activities')"),
    expect.stringContaining("src/workflows must not import src/api ('../api/problem')"),
  ]);
  expect(messages[0]).toContain('src/workflows may import: shared, type:activities');
});

test('shared/ imports no other area; the emulator shares no code with the service', async () => {
  expect(await lint('src/shared/example.ts', "import { startService } from '../service';\n")).toHaveLength(1);
  expect(
    await lint('src/emulator/example.ts', "import { SA } from '../shared/search-attributes';\n"),
  ).toHaveLength(1);
});

test('allowed imports pass: activity types into workflows, alerts into the API, anything into an entry point', async () => {
  expect(
    await lint('src/workflows/example.ts', "import type { createActivities } from '../activities';\n"),
  ).toEqual([]);
  expect(
    await lint(
      'src/api/routes/example.ts',
      "import { AlertsClient } from '../../alerts';\nimport { sendProblem } from '../problem';\n",
    ),
  ).toEqual([]);
  expect(await lint('src/main.ts', "import { startEmulator } from './emulator';\n")).toEqual([]);
  expect(await lint('src/cli/commands/send.ts', "import { request } from '../api';\n")).toEqual([]); // src/cli/api.ts, not src/api
  // genesys install-app: the CLI calls the Platform API with credentials read by the config loader.
  expect(
    await lint(
      'src/cli/commands/genesys-install-app.ts',
      "import { loadConfig } from '../../config';\nimport { createPlatformAdmin } from '../../genesys';\n",
    ),
  ).toEqual([]);
});

test('the payload codec: the service, the API, the CLI and entry points may import it; workflow code may not', async () => {
  expect(await lint('src/workflows/example.ts', "import { dataConverterFor } from '../codec';\n")).toEqual([
    expect.stringContaining("src/workflows must not import src/codec ('../codec')"),
  ]);
  for (const file of ['src/service/example.ts', 'src/api/routes/example.ts', 'src/cli/example.ts'])
    expect(
      await lint(
        file,
        `import { dataConverterFor } from '${file.split('/').length > 3 ? '../..' : '..'}/codec';\n`,
      ),
    ).toEqual([]);
  expect(await lint('src/codec/example.ts', "import type { Config } from '../config';\n")).toEqual([]);
  expect(await lint('src/codec/example.ts', "import { startService } from '../service';\n")).toHaveLength(1);
});

test('the Temporal connection module: config, the service, the agent app and the CLI may import it; workflows may not', async () => {
  for (const file of [
    'src/config.ts',
    'src/service/example.ts',
    'src/agent-app/example.ts',
    'src/cli/example.ts',
  ])
    expect(
      await lint(
        file,
        `import { temporalConnectOptions } from '${file.split('/').length > 2 ? '..' : '.'}/temporal-connection';\n`,
      ),
    ).toEqual([]);
  expect(
    await lint(
      'src/workflows/example.ts',
      "import { temporalConnectOptions } from '../temporal-connection';\n",
    ),
  ).toHaveLength(1);
  expect(await lint('src/temporal-connection.ts', "import { loadConfig } from './config';\n")).toHaveLength(
    1,
  );
});
