import type { ModerationEndpointOptions, ModerationOptions } from './chat/moderation.ts';
import { ModerationEndpoint, Moderator, moderateOutgoingWithEndpoint } from './chat/moderation.ts';
import type { SentenceModerator } from '../conversation/sentence-moderation.ts';

export { moderateSentences, type SentenceModerator } from '../conversation/sentence-moderation.ts';

/** What a broadcast keeps out of chat coming in and of the characters' speech going out. */
export interface BroadcastModerationOptions {
  /** Words and phrases (`/…/` for a pattern); links are always kept out. @defaultValue [] */
  blocklist: string[];
  /** Also keep a maintained English word list (obscenity's English dataset) out; `false` leaves
   *  only `blocklist`. @defaultValue true */
  profanityFilter: boolean;
  /** An OpenAI-compatible `/moderations` endpoint checking chat and speech too; when it does not
   *  answer in time the text is held back. @defaultValue undefined (word rules only) */
  endpoint?: Pick<ModerationEndpointOptions, 'baseUrl' | 'apiKey'>;
}

/**
 * A broadcast's word rules from the worker's settings, the same for chat in and speech out: the
 * English word list unless `profanityFilter` is false, plus `blocklist`.
 */
export const broadcastModerationOptions = (
  options: Pick<BroadcastModerationOptions, 'blocklist' | 'profanityFilter'>,
): Partial<ModerationOptions> => ({
  blocklist: options.blocklist,
  profanityFilter: options.profanityFilter,
});

/**
 * What a broadcast's characters may say: the chat moderator's rules (the English word list,
 * the blocklist, links) and, with an endpoint, an OpenAI-compatible `/moderations`
 * endpoint that fails closed.
 */
export function speechModerator(options: BroadcastModerationOptions): SentenceModerator {
  const moderator = new Moderator(broadcastModerationOptions(options));
  const endpoint = options.endpoint ? new ModerationEndpoint(options.endpoint) : undefined;
  return async (sentence) => (await moderateOutgoingWithEndpoint(moderator, endpoint, sentence)).text;
}
