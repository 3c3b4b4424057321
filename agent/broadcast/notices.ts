import type { ChatNotice, ChatNoticeType } from '../../protocol/index.ts';
import type { TopicCue } from '../conversation/group/floor.ts';
import type { AutonomousEffect, NoticeGroup, NoticePolicy } from './autonomous-types.ts';
import type { NoticeItem } from './chat/types.ts';

// Chat notices (subscriptions, raids, …): how they are grouped into reactions, and the words that
// tell a character what to react to or talk about. Pure functions.

export { topicInstructions } from '../conversation/group/topic.ts';

/**
 * Raids are thanked one by one at the next open floor; subscriptions and cheers are gathered for a
 * few seconds (gift bombs arrive together) and thanked at most every 30 s; follows once a minute.
 */
export const defaultNoticePolicies: Record<ChatNoticeType, NoticePolicy | null> = {
  raid: { coalesceMs: 0, cooldownMs: 0 },
  sub: { coalesceMs: 5000, cooldownMs: 30_000 },
  resub: { coalesceMs: 5000, cooldownMs: 30_000 },
  bits: { coalesceMs: 5000, cooldownMs: 30_000 },
  follow: { coalesceMs: 10_000, cooldownMs: 60_000 },
};

/** Adds `notice` to the open group of its kind, or opens one; returns the new list. */
export function addNotice(
  groups: readonly NoticeGroup[],
  notice: ChatNotice,
  policy: NoticePolicy,
  at: number,
): NoticeGroup[] {
  const open = policy.coalesceMs > 0 ? groups.find((g) => g.type === notice.type) : undefined;
  if (!open) return [...groups, { type: notice.type, notices: [notice], firstAt: at }];
  return groups.map((g) => (g === open ? { ...g, notices: [...g.notices, notice] } : g));
}

/** When a group may be reacted to: its gathering window closed and its kind's cooldown passed. */
export function groupDueAt(
  group: NoticeGroup,
  policy: NoticePolicy | null,
  lastReactionAt: number | undefined,
): number {
  const coalesce = policy?.coalesceMs ?? 0;
  const cooldown = policy?.cooldownMs ?? 0;
  return Math.max(
    group.firstAt + coalesce,
    lastReactionAt === undefined ? -Infinity : lastReactionAt + cooldown,
  );
}

function names(notices: readonly ChatNotice[]): string {
  const users = [...new Set(notices.map((n) => n.user))];
  if (users.length === 1) return users[0] as string;
  if (users.length <= 3) return `${users.slice(0, -1).join(', ')} and ${users.at(-1)}`;
  return `${users.slice(0, 2).join(', ')} and ${users.length - 2} others`;
}

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/** What the character is asked to react to, in a sentence. */
export function reactionText(notices: readonly ChatNotice[]): string {
  const first = notices[0];
  if (!first) return '';
  const n = notices.length;
  const who = names(notices);
  switch (first.type) {
    case 'raid': {
      const viewers =
        first.amount !== undefined
          ? ` with ${first.amount} ${plural(first.amount, 'viewer', 'viewers')}`
          : '';
      return `${first.user} just raided the channel${viewers}: welcome the raiders warmly.`;
    }
    case 'sub':
      return n === 1
        ? `${who} just subscribed: thank them.`
        : `${n} people just subscribed (${who}): thank the ${n} new subscribers together.`;
    case 'resub': {
      const months = n === 1 && first.amount !== undefined ? ` for ${first.amount} months` : '';
      const said = n === 1 && first.detail ? ` They wrote: "${first.detail}".` : '';
      return `${who} ${plural(n, 'has', 'have')} resubscribed${months}: thank ${plural(n, 'them', 'them all')}.${said}`;
    }
    case 'bits': {
      const total = notices.reduce((sum, x) => sum + (x.amount ?? 0), 0);
      const said = n === 1 && first.detail ? ` They wrote: "${first.detail}".` : '';
      return `${who} cheered${total > 0 ? ` ${total} bits` : ''}: thank ${plural(n, 'them', 'them all')}.${said}`;
    }
    case 'follow':
      return `${who} just followed the channel: welcome ${plural(n, 'them', 'them all')} briefly.`;
  }
}

/** The floor's `autonomousTopic` cue for a director's `startTopic` or `react` effect. */
export function topicCueFor(effect: Extract<AutonomousEffect, { type: 'startTopic' | 'react' }>): TopicCue {
  return effect.type === 'react'
    ? { text: effect.text, recentChat: effect.recentChat, source: 'notice' }
    : { text: effect.topic, recentChat: effect.recentChat, source: effect.reason };
}

/** A notice as the chat router (chat/router.ts) hands it over: the fields of it read here. */
export type RoutedNotice = Pick<NoticeItem, 'type' | 'displayName' | 'detail'> & { bits?: number };

/**
 * The director's notice for a routed one. A gifted sub counts as a new subscriber (its recipient);
 * a mystery gift is left out because Twitch follows it with one `subgift` per recipient.
 */
export function chatNoticeFromRouted(n: RoutedNotice): ChatNotice | null {
  const text = n.detail.text?.slice(0, 500);
  const user = n.displayName.slice(0, 64);
  switch (n.type) {
    case 'raid':
      return { type: 'raid', user, ...(n.detail.viewers !== undefined && { amount: n.detail.viewers }) };
    case 'sub':
      return { type: 'sub', user, ...(text && { detail: text }) };
    case 'subgift':
      return {
        type: 'sub',
        user: (n.detail.recipient ?? n.displayName).slice(0, 64),
        detail: `a gift from ${user}`,
      };
    case 'submysterygift':
      return null;
    case 'resub':
      return {
        type: 'resub',
        user,
        ...(n.detail.months !== undefined && { amount: n.detail.months }),
        ...(text && { detail: text }),
      };
    case 'bits': {
      const bits = n.detail.bits ?? n.bits;
      return {
        type: 'bits',
        user,
        ...(bits !== undefined && { amount: bits }),
        ...(text && { detail: text }),
      };
    }
  }
}
