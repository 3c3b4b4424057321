import { describe, expect, it } from 'vitest';
import { ChatNotice } from '../../protocol/index.ts';
import { chatNoticeFromRouted, reactionText, topicInstructions, type RoutedNotice } from './notices.ts';

describe('chat notices', () => {
  it.each<[string, RoutedNotice, ChatNotice | null]>([
    [
      'a raid keeps its viewers',
      { type: 'raid', displayName: 'Rex', detail: { viewers: 40 } },
      { type: 'raid', user: 'Rex', amount: 40 },
    ],
    [
      'a resub keeps its months and words',
      { type: 'resub', displayName: 'Ann', detail: { months: 7, text: 'love it' } },
      { type: 'resub', user: 'Ann', amount: 7, detail: 'love it' },
    ],
    [
      'a gifted sub counts as a new subscriber',
      { type: 'subgift', displayName: 'Gus', detail: { recipient: 'Bo' } },
      { type: 'sub', user: 'Bo', detail: 'a gift from Gus' },
    ],
    [
      'a mystery gift is left to its subgifts',
      { type: 'submysterygift', displayName: 'Gus', detail: { count: 5 } },
      null,
    ],
    [
      'a cheer keeps its bits',
      { type: 'bits', displayName: 'Cy', bits: 100, detail: {} },
      { type: 'bits', user: 'Cy', amount: 100 },
    ],
  ])('when the chat router hands over %s, then the director gets a valid notice', (_, routed, expected) => {
    const notice = chatNoticeFromRouted(routed);
    expect(notice).toEqual(expected);
    if (notice) expect(ChatNotice.parse(notice)).toEqual(notice);
  });

  it.each<[ChatNotice[], string]>([
    [
      [{ type: 'raid', user: 'rex', amount: 1 }],
      'rex just raided the channel with 1 viewer: welcome the raiders warmly.',
    ],
    [[{ type: 'sub', user: 'ann' }], 'ann just subscribed: thank them.'],
    [
      [
        { type: 'sub', user: 'ann' },
        { type: 'sub', user: 'bo' },
      ],
      '2 people just subscribed (ann and bo): thank the 2 new subscribers together.',
    ],
    [
      [{ type: 'resub', user: 'ann', amount: 7, detail: 'hi all' }],
      'ann has resubscribed for 7 months: thank them. They wrote: "hi all".',
    ],
    [
      [
        { type: 'bits', user: 'cy', amount: 100 },
        { type: 'bits', user: 'dee', amount: 50 },
      ],
      'cy and dee cheered 150 bits: thank them all.',
    ],
    [[{ type: 'follow', user: 'fay' }], 'fay just followed the channel: welcome them briefly.'],
  ])('when notices %j are reacted to, then the character is told what happened', (notices, text) => {
    expect(reactionText(notices)).toBe(text);
  });

  it('when a topic turn is instructed, then the topic and recent chat are in the words', () => {
    expect(topicInstructions({ text: 'kites', recentChat: ['zed: hi'], source: 'idle' })).toBe(
      'Nobody is talking to you right now. Bring up this topic in your own way: kites.\n' +
        'Recent chat, which you may pick up on:\nzed: hi\nKeep it short and speak to the audience.',
    );
    expect(topicInstructions({ text: null, recentChat: [], source: 'cadence' })).toContain(
      'something you care about',
    );
  });
});
