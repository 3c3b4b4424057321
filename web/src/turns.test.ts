import { describe, expect, it } from 'vitest';
import { offsetLabel, splitHeard } from './turns.ts';

describe('splitHeard', () => {
  it('when a reply was not interrupted, then all of it was heard', () => {
    expect(splitHeard({ text: 'Hello there.', heardText: 'Hello there.', interrupted: false })).toEqual({
      heard: 'Hello there.',
      unheard: '',
    });
  });

  it('when a reply was interrupted, then the heard prefix and the rest are apart', () => {
    expect(
      splitHeard({ text: 'Once upon a time, far away', heardText: 'Once upon', interrupted: true }),
    ).toEqual({
      heard: 'Once upon',
      unheard: ' a time, far away',
    });
  });

  it('when the heard text is not a prefix, then nothing is shown twice', () => {
    const { heard, unheard } = splitHeard({ text: 'abcdef', heardText: 'abX', interrupted: true });
    expect(heard + unheard).toBe('abXdef');
    expect(splitHeard({ text: 'ab', heardText: 'abcd', interrupted: true })).toEqual({
      heard: 'abcd',
      unheard: '',
    });
  });
});

describe('offsetLabel', () => {
  it('when a turn starts after the session, then its offset as m:ss; before it, 0:00', () => {
    expect(offsetLabel('2025-01-01T00:01:05.400Z', '2025-01-01T00:00:00.000Z')).toBe('1:05');
    expect(offsetLabel('2024-12-31T23:59:59.000Z', '2025-01-01T00:00:00.000Z')).toBe('0:00');
  });
});
