/**
 * The compose stack's Temporal files that the cluster run reads as they are, so the two cannot drift
 * (test/compose.test.ts checks that docker-compose.yml mounts these very files).
 */
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
/** The one dynamic config: docker-compose.yml mounts it into the Temporal container. */
export const DYNAMIC_CONFIG_FILE = path.join(ROOT, 'deploy', 'temporal', 'dynamicconfig.yaml');
/** The compose's one-shot search attribute registration (temporal-admin-tools runs it). */
export const REGISTER_SEARCH_ATTRIBUTES_SCRIPT = path.join(
  ROOT,
  'deploy',
  'temporal',
  'register-search-attributes.sh',
);
/** The SQL plugin: the compose's DB for auto-setup, the cluster's --plugin and pluginName. */
export const SQL_PLUGIN = 'postgres12';
