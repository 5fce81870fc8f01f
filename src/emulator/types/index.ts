/**
 * Public types of the Genesys Cloud emulator (see src/emulator/README.md), one file per area.
 * Self-contained on purpose: nothing here is shared with src/genesys or src/shared.
 */
export * from './options';
export * from './users';
export * from './faults';
export * from './notifications';
export * from './callbacks';
export * from './requests';
export * from './stats';
export * from './registrations';
export * from './control';
export * from './shell';
