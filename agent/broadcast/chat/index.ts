// Twitch chat for broadcasts: tmi.js in, a pure router to the floor, moderation both ways.
export * from './bridge.ts';
export * from './moderation.ts';
export * from './router.ts';
export * from './twitch-chat.ts';
export * from './types.ts';
