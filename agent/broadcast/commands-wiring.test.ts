import { describe, expect, it } from 'vitest';
import { BROADCAST_CONTROL_TOPIC } from '../../protocol/index.ts';
import { controlPacket } from './commands-wiring.ts';

// Who the job obeys on the control topic: the server's own packets (no sender) and the owner.

const ID = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';
const bytes = (m: unknown) => new TextEncoder().encode(JSON.stringify(m));
const command = { type: 'command', id: ID, action: { type: 'say', characterId: 'ada', text: 'Hi' } };
const topic = { type: 'topic', text: 'the harbour' };

describe('control packets', () => {
  it('when the server sends a command, then it is the API’s, with its id and defaults', () => {
    expect(controlPacket(bytes(command), undefined, BROADCAST_CONTROL_TOPIC, 'host')).toEqual({
      id: ID,
      source: 'api',
      action: { type: 'say', characterId: 'ada', text: 'Hi', when: 'next' },
    });
    expect(controlPacket(bytes(topic), undefined, BROADCAST_CONTROL_TOPIC, 'host')).toEqual({
      source: 'operator',
      action: topic,
    });
  });

  it('when the owner sends a control message, then it is the operator’s; a command envelope from anyone is not the API’s', () => {
    expect(controlPacket(bytes(topic), { identity: 'host' }, BROADCAST_CONTROL_TOPIC, 'host')).toEqual({
      source: 'operator',
      action: topic,
    });
    expect(controlPacket(bytes(command), { identity: 'host' }, BROADCAST_CONTROL_TOPIC, 'host')).toBeNull();
  });

  it('when someone else sends, or the topic or the JSON is wrong, then nothing is obeyed', () => {
    expect(controlPacket(bytes(topic), { identity: 'guest' }, BROADCAST_CONTROL_TOPIC, 'host')).toBeNull();
    expect(controlPacket(bytes(topic), undefined, 'troupe.stage', 'host')).toBeNull();
    expect(
      controlPacket(new TextEncoder().encode('{'), undefined, BROADCAST_CONTROL_TOPIC, 'host'),
    ).toBeNull();
    expect(
      controlPacket(
        bytes({ ...command, action: { type: 'say' } }),
        undefined,
        BROADCAST_CONTROL_TOPIC,
        'host',
      ),
    ).toBeNull();
  });
});
