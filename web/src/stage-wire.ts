import type { RemoteParticipant } from 'livekit-client';
import { STAGE_TOPIC, StageMessage } from '../../protocol/broadcast-stage.ts';
import { FLOOR_TOPIC } from '../../protocol/group.ts';
import { agentAttributes } from './agent-status.ts';
import { parseFloorMessage } from './group-state.ts';
import type { StageEvent } from './stage-state.ts';

/**
 * Data packets of a broadcast room as stage events: the job's stage messages (checked against
 * their contract; the stage and control pages load zod anyway) and its floor messages. Anything
 * else, or anything malformed, is null: a stage must never break on one bad packet.
 */
export function stageEventOf(payload: Uint8Array, topic: string | undefined): StageEvent | null {
  if (topic === FLOOR_TOPIC) {
    const message = parseFloorMessage(payload);
    return message === null ? null : { type: 'floor', message };
  }
  if (topic !== STAGE_TOPIC) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return null;
  }
  const parsed = StageMessage.safeParse(raw);
  if (!parsed.success) return null;
  // A chat line may carry Twitch's message id (`id`), which the control page needs to delete it.
  const id = (raw as { id?: unknown }).id;
  return typeof id === 'string' && id.length > 0 && id.length <= 128
    ? { type: 'stage', message: parsed.data, messageId: id }
    : { type: 'stage', message: parsed.data };
}

/** Where the stage page finds its room: the URL's hash query, else its search (egress adds `?url=&token=`). */
export interface StageAccessParams {
  token: string;
  url: string;
}

export function stageAccessFrom(hashQuery: string, search: string): StageAccessParams | null {
  const fromHash = new URLSearchParams(hashQuery);
  const fromSearch = new URLSearchParams(search);
  const token = fromHash.get('token') ?? fromSearch.get('token');
  const url = fromHash.get('url') ?? fromSearch.get('url');
  if (token === null || token === '' || url === null || !/^(wss?|https?):\/\//.test(url)) return null;
  return { token, url };
}

/** A participant of a broadcast room as a stage event: a character carries its id attribute. */
export function participantJoinedOf(p: RemoteParticipant): StageEvent {
  const characterId = p.attributes[agentAttributes.characterId];
  return {
    type: 'participantJoined',
    identity: p.identity,
    name: p.name ?? '',
    isAgent: p.isAgent,
    ...(characterId === undefined ? {} : { characterId }),
  };
}
