// The API builds speech and language providers with the agent's own factories (agent/providers),
// so a preview sounds like a call and no vendor is wired twice. Those factories take the agent's
// config; this turns the API's copy of the same variables into one.
import { initializeLogger, log } from '@livekit/agents';
import { AgentConfigSchema, type AgentConfig } from '../../agent/config.ts';
import type { ProviderSettings } from '../config.ts';

/** ElevenLabs' API root, as the plugin spells it (with `/v1`). */
export const ELEVENLABS_DEFAULT_BASE_URL = 'https://api.elevenlabs.io/v1';

/** The agent's config with the API's provider settings; the fields the builder never reads keep their defaults. */
export function agentConfigFrom(settings: ProviderSettings): AgentConfig {
  const set = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
  return AgentConfigSchema.parse(set);
}

/**
 * The framework's plugins take their logger from a process-wide one set by `initializeLogger()`
 * (the worker calls it at start) and throw when there is none. The API has its own pino logger;
 * the framework's gets warnings only, as JSON on stdout like the API's.
 */
export function ensureFrameworkLogger(): void {
  try {
    log();
  } catch {
    initializeLogger({ pretty: false, level: 'warn' });
  }
}
