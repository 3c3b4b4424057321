import { describe, expect, it } from 'vitest';
import { BROADCAST_CONTROL_TOPIC } from '../../protocol/index.ts';
import { groupControlPacket } from './group-control.ts';

// What a group call obeys on the control topic: the API's commands, sent by the server itself.

const ID = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';
const bytes = (m: unknown) => new TextEncoder().encode(JSON.stringify(m));
const command = { type: 'command', id: ID, action: { type: 'say', characterId: 'ada', text: 'Hi' } };

describe('group control packets', () => {
  it('when the server sends a command, then it is the API’s, with its id and defaults', () => {
    expect(groupControlPacket(bytes(command), undefined, BROADCAST_CONTROL_TOPIC)).toEqual({
      id: ID,
      source: 'api',
      action: { type: 'say', characterId: 'ada', text: 'Hi', when: 'next' },
    });
  });

  it('when a participant (the owner too) or the server sends anything else, then nothing is obeyed', () => {
    expect(groupControlPacket(bytes(command), { identity: 'host' }, BROADCAST_CONTROL_TOPIC)).toBeNull();
    // A control-page message has no place in a group call, even from the server.
    expect(
      groupControlPacket(bytes({ type: 'topic', text: 'x' }), undefined, BROADCAST_CONTROL_TOPIC),
    ).toBeNull();
    expect(groupControlPacket(bytes(command), undefined, 'troupe.floor')).toBeNull();
    expect(groupControlPacket(new TextEncoder().encode('{'), undefined, BROADCAST_CONTROL_TOPIC)).toBeNull();
  });
});
