/**
 * src/alerts: a request becomes an alert workflow, and the typed launcher talks to those workflows.
 * May import: shared/, config, workflows/ (the workflow function, for typed starts). Imported by: api/,
 * callbacks/, cli/, the entry points.
 */
export * from './errors';
export * from './build-input';
export * from './launcher';
