/**
 * `genesys install-app`: registers the agent app on a Genesys Cloud org with an admin's client credentials
 * (its PKCE OAuth client and its Client App integration), idempotently; `--dry-run` prints the writes instead.
 */
import { Option, type Command } from 'commander';
import { ConfigError, loadConfig } from '../../config';
import { createPlatformAdmin } from '../../genesys';
import { addOutputOptions, type CommandContext, type OutputOptions } from '../context';
import { CliError } from '../errors';
import { ALL_PERMISSIONS, explainGenesysError } from '../install-app/explain';
import { installApp } from '../install-app/install';
import { renderJson, renderText } from '../install-app/report';
import { DISPLAY_TYPES, wantedFrom, type DisplayType } from '../install-app/wanted';

interface InstallAppOptions extends OutputOptions {
  publicUrl: string;
  dryRun?: boolean;
  name: string;
  group?: string[];
  displayType: DisplayType;
}

export function addGenesysCommand(program: Command, ctx: CommandContext): void {
  const genesys = program.command('genesys').description('set up the service on a Genesys Cloud org');
  const install = genesys
    .command('install-app')
    .description(
      'register the agent app on the org: its OAuth client (authorization code + PKCE) and its Client App integration; run again to update, nothing is duplicated',
    )
    .requiredOption('--public-url <url>', "the service's public base URL (PUBLIC_BASE_URL), https")
    .option(
      '--dry-run',
      'print the requests it would send and change nothing (it still reads the org, to tell create from update)',
    )
    .option(
      '--name <name>',
      'name of the OAuth client and the integration (how a rerun finds them)',
      'Desktop alerts',
    )
    .option(
      '--group <groupId...>',
      'Genesys group id that sees the app (repeat for more); without it a new app has none and an existing one keeps its groups',
    )
    .addOption(
      new Option('--display-type <type>', 'how Genesys shows the app')
        .choices(DISPLAY_TYPES)
        .default('standalone'),
    );
  install.addHelpText(
    'after',
    `
Credentials: an admin's Client Credentials OAuth client, from the environment like the service's own:
GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET, and GENESYS_REGION (or GENESYS_API_BASE + GENESYS_LOGIN_BASE).
Its role needs: ${ALL_PERMISSIONS.join(', ')}.
At the end it prints GENESYS_APP_CLIENT_ID=<id>, for the service's environment. Secrets are never printed.`,
  );
  addOutputOptions(install).action(async (opts: InstallAppOptions) => {
    ctx.setOutput(opts);
    const wanted = wantedFrom({
      publicUrl: opts.publicUrl,
      name: opts.name,
      displayType: opts.displayType,
      groups: opts.group,
    });
    const conn = adminConnection(ctx.io.env);
    const admin = createPlatformAdmin(conn);
    try {
      const result = await installApp(admin, wanted, opts.dryRun === true);
      ctx.print(renderText(result, wanted, conn.apiBase), renderJson(result, wanted, conn.apiBase));
    } catch (err) {
      throw explainGenesysError(err, conn.apiBase);
    } finally {
      await admin.close();
    }
  });
}

/** The admin's credentials and bases, read with the service's config loader. */
function adminConnection(env: Record<string, string | undefined>) {
  let config;
  try {
    config = loadConfig(env as NodeJS.ProcessEnv);
  } catch (err) {
    if (err instanceof ConfigError)
      throw new CliError('invalid configuration in the environment', err.problems);
    throw err;
  }
  const g = config.genesys;
  if (!g.credentials || !g.apiBase || !g.loginBase)
    throw new CliError('missing Genesys admin credentials', [
      "set GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET: an admin's OAuth client with the Client Credentials grant",
      'and GENESYS_REGION (e.g. mypurecloud.com), or GENESYS_API_BASE and GENESYS_LOGIN_BASE',
      `its role needs: ${ALL_PERMISSIONS.join(', ')}`,
    ]);
  return { apiBase: g.apiBase, loginBase: g.loginBase, ...g.credentials, timeoutMs: g.timeoutMs };
}
