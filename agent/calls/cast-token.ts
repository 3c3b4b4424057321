import { AccessToken } from 'livekit-server-sdk';
import { AgentAttributes, type Character, characterIdentity } from '../../protocol/index.ts';
import type { LiveKitOptions } from '../config.ts';

/** A join token for one character's own participant, minted by the job with the worker's key. */
export async function castToken(
  livekit: Pick<LiveKitOptions, 'apiKey' | 'apiSecret'>,
  room: string,
  character: Character,
  offline: boolean,
): Promise<string> {
  const at = new AccessToken(livekit.apiKey, livekit.apiSecret, {
    identity: characterIdentity(character.id),
    name: character.name,
    ttl: 6 * 3600,
    attributes: {
      [AgentAttributes.characterId]: character.id,
      [AgentAttributes.offline]: String(offline),
    },
  });
  at.kind = 'agent';
  at.addGrant({
    roomJoin: true,
    room,
    canPublish: true,
    canSubscribe: false,
    canPublishData: true,
    hidden: false,
  });
  return at.toJwt();
}
