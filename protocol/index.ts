export * from './characters.ts';
export * from './sessions.ts';
export * from './dispatch.ts';
export * from './errors.ts';
export * from './auth.ts';
export * from './invites.ts';
