import type { DispatchMetadata } from '../../protocol/index.ts';
import type { ApiClient } from '../api-client.ts';
import type { GroupCall, GroupCallObserver, GroupCallOptions } from '../calls/group-call.ts';
import type { Logger } from '../logger.ts';
import { broadcastApi } from './broadcast-api.ts';
import { BroadcastRuntime, type BroadcastRuntimeOptions } from './runtime.ts';
import { type BroadcastModerationOptions, speechModerator } from './speech-moderation.ts';

/**
 * How a group call runs when it is a broadcast: the broadcast's own director fills silences (with
 * its agenda and cadence), not the floor; what the characters say goes out to an audience, so it is
 * moderated before it is spoken; and the call goes on with nobody in the room (the audience is on
 * Twitch): its stop ends it.
 */
export function broadcastCallOptions(
  moderation: BroadcastModerationOptions,
): Pick<GroupCallOptions, 'pickupAfterMs' | 'stayWhenEmpty' | 'moderate'> {
  return { pickupAfterMs: null, stayWhenEmpty: true, moderate: speechModerator(moderation) };
}

export interface GroupBroadcastDeps {
  api: ApiClient;
  logger: Logger;
  options: BroadcastRuntimeOptions;
}

/**
 * Starts the broadcast of a group call: chat, autonomous talk, show control, the RTMP output. It
 * observes the call from then on and is stopped before the call closes. A broadcast that fails to
 * start is reported as failed; the call itself goes on.
 */
export async function startGroupBroadcast(
  call: GroupCall,
  meta: DispatchMetadata & { broadcast: NonNullable<DispatchMetadata['broadcast']> },
  deps: GroupBroadcastDeps,
): Promise<void> {
  const { logger } = deps;
  const api = broadcastApi(deps.api, meta.broadcast.id);
  const broadcast = new BroadcastRuntime(
    {
      room: call.room,
      cast: call.cast,
      floor: call.floor,
      conversation: call.conversation,
      ownerIdentity: meta.callerIdentity,
      say: (characterId, text) => call.say(characterId, text),
      compose: (characterId, prompt, signal) => call.compose(characterId, prompt, signal),
      logger,
    },
    api,
    deps.options,
  );
  /** The show must not stop the conversation: a failing broadcast step is logged, not thrown. */
  const step = (what: string, run: () => void) => {
    try {
      run();
    } catch (err) {
      logger.error({ err, step: what }, 'broadcast step failed');
    }
  };
  const observer: GroupCallObserver = {
    caption: (speaker, name, text) => step('caption', () => broadcast.caption(speaker, name, text)),
    replied: (characterId, replyTo, heardText) =>
      step('replied', () => broadcast.replied(characterId, replyTo, heardText)),
    audible: (characterId, audible) => step('audible', () => broadcast.audible(characterId, audible)),
    humanSpeech: (identity, speaking) => step('speech', () => broadcast.humanSpeech(identity, speaking)),
    lineEnded: (lineId, outcome) => step('line', () => broadcast.lineEnded(lineId, outcome)),
  };
  call.attach({
    ...observer,
    stop: () => broadcast.stop().catch((err: unknown) => logger.warn({ err }, 'broadcast stop failed')),
  });
  try {
    await broadcast.start(meta.broadcast.output);
    logger.info({ output: meta.broadcast.output }, 'broadcast started');
  } catch (err) {
    logger.error({ err }, 'broadcast failed to start');
    await api.status('failed', (err as Error).message);
  }
}
