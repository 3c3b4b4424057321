import type { AgentAttributes, ProviderInfo } from '../../protocol/index.ts';

/**
 * The attribute names of protocol/dispatch.ts. Importing the value would bundle zod into the page,
 * so the names are restated here and the type checker holds them equal to the protocol's.
 */
export const agentAttributes: typeof AgentAttributes = {
  offline: 'troupe.offline',
  providers: 'troupe.providers',
  characterId: 'troupe.character',
};

/** What the call page shows about the agent's providers, read from its participant attributes. */
export interface AgentStatus {
  /** True when any stage runs on the offline defaults (`troupe.offline === "true"`). */
  offline: boolean;
  /** Parsed `troupe.providers`; null when absent or not the expected JSON. */
  providers: ProviderInfo | null;
}

function isProviderInfo(value: unknown): value is ProviderInfo {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.stt === 'string' && typeof v.llm === 'string' && typeof v.tts === 'string';
}

export function readAgentStatus(attributes: Readonly<Record<string, string>>): AgentStatus {
  let providers: ProviderInfo | null = null;
  const raw = attributes[agentAttributes.providers];
  if (raw !== undefined) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (isProviderInfo(parsed)) providers = { ...parsed, offline: parsed.offline === true };
    } catch {
      // A malformed attribute only costs the tooltip its detail.
    }
  }
  return { offline: attributes[agentAttributes.offline] === 'true', providers };
}

/** One line per stage, for the badge's tooltip. */
export function describeProviders(providers: ProviderInfo | null): string {
  if (providers === null) return 'Offline voices: provider details not reported yet';
  return [
    `Speech recognition: ${providers.stt}`,
    `Language model: ${providers.llm}`,
    `Voice: ${providers.tts}`,
  ].join('\n');
}
