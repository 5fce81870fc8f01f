export * from './inbox';
export * from './relay';
