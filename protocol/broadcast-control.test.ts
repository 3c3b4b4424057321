import { describe, expect, it } from 'vitest';
import { BROADCAST_CONTROL_TOPIC, ControlMessage } from './broadcast-control.ts';

describe('broadcast control messages', () => {
  it('when the owner switches, toggles autonomy, suggests a topic or moderates, then each message is valid', () => {
    expect(BROADCAST_CONTROL_TOPIC).toBe('troupe.control');
    for (const m of [
      { type: 'switch', characterId: 'june', transition: 'dramatic' },
      { type: 'autonomous', enabled: false },
      { type: 'topic', text: 'the river' },
      { type: 'moderate', action: 'timeout', user: 'viewer42' },
      { type: 'moderate', action: 'ban', user: 'viewer42' },
      { type: 'moderate', action: 'delete', user: 'viewer42', messageId: 'b3f1' },
    ])
      expect(ControlMessage.parse(m)).toEqual(m);
  });

  it('when a message is incomplete or carries extra fields, then it is refused', () => {
    for (const m of [
      { type: 'moderate', action: 'delete', user: 'viewer42' },
      { type: 'switch', characterId: 'june', transition: 'slow' },
      { type: 'topic', text: '   ' },
      { type: 'autonomous', enabled: true, extra: 1 },
      { type: 'shout', text: 'x' },
    ])
      expect(ControlMessage.safeParse(m).success).toBe(false);
  });
});
