/**
 * The Node.js lines this service supports. Node 20 reached end of life in April 2026: it still runs the service
 * and CI still passes on it while machines carry it, but it gets no security fixes. Entry points say so once.
 */
export const SUPPORTED_NODE_MAJOR = 22;
export const RECOMMENDED_NODE = '24 LTS';

/** A line for stderr when this Node is older than the supported lines, else undefined. */
export function nodeVersionWarning(version = process.versions.node): string | undefined {
  const major = Number(version.split('.')[0]);
  if (major >= SUPPORTED_NODE_MAJOR) return undefined;
  return (
    `warning: Node ${version} is past end of life; desktop-alerts supports Node ${SUPPORTED_NODE_MAJOR}+ and is ` +
    `tested on Node ${RECOMMENDED_NODE}. Install it from nodejs.org or your package manager, or run ` +
    '`scripts/install-node.sh` (it puts Node 24 in .tools/node-24.x/bin) and put that folder first on PATH.\n'
  );
}

/** Print the warning once, before anything else. */
export function warnOnOldNode(): void {
  const warning = nodeVersionWarning();
  if (warning) process.stderr.write(warning);
}
