import type { RemoteParticipant } from '@livekit/rtc-node';
import { RoomEvent } from '@livekit/rtc-node';
import type { ApiClient } from '../api-client.ts';
import { reportCommand } from '../broadcast/broadcast-api.ts';
import type { CommandAction, CommandOptions, CommandSource } from '../broadcast/commands.ts';
import { ShowCommands, controlPacket } from '../broadcast/commands-wiring.ts';
import type { Logger } from '../logger.ts';
import type { GroupCall } from './group-call.ts';

/**
 * A control-topic packet a group call obeys: the API's commands only, sent by the server itself
 * (no sender: no participant can forge one). A group call has no control page, so whatever a
 * participant sends, the owner included, is ignored.
 */
export function groupControlPacket(
  payload: Uint8Array,
  sender: { identity: string } | undefined,
  topic: string | undefined,
): { id: string; source: CommandSource; action: CommandAction } | null {
  if (sender !== undefined) return null;
  const command = controlPacket(payload, undefined, topic, '');
  return command?.source === 'api' && command.id ? { ...command, id: command.id } : null;
}

/**
 * Show control of a group session that is not a broadcast: the broadcast's one dispatcher, with no
 * stage (gestures and switches are refused), fed by the API's packets on the control topic. Lines
 * wait for the floor like a broadcast's and are stored as turns with source `api`; they are not
 * moderated, as the characters' own speech in a group call is not. Outcomes go to
 * `/api/internal/sessions/:id/control/:commandId`. Stopped before the call closes.
 */
export function attachGroupControl(
  call: GroupCall,
  sessionId: string,
  deps: { api: ApiClient; logger: Logger; options?: Partial<CommandOptions> },
): ShowCommands {
  const { api, logger } = deps;
  const commands = new ShowCommands(
    {
      floor: call.floor,
      compose: (characterId, prompt, signal) => call.compose(characterId, prompt, signal),
      check: () => Promise.resolve({ ok: true, reasons: [] }),
      setAutonomous: () => undefined,
      moderate: () => undefined,
      report: (id, report) => reportCommand(() => api.showCommandReport({ sessionId }, id, report)),
      logger,
    },
    deps.options,
  );
  const onData = (payload: Uint8Array, participant?: RemoteParticipant, _kind?: unknown, topic?: string) => {
    const command = groupControlPacket(payload, participant, topic);
    if (command) commands.submit(command.source, command.action, command.id);
  };
  call.room.on(RoomEvent.DataReceived, onData);
  const offFloor = call.floor.subscribe((e) => e.type === 'publish' && commands.floorChanged(e.message));
  if (call.floor.state.published) commands.floorChanged(call.floor.state.published);
  const none = () => undefined;
  call.attach({
    caption: none,
    replied: none,
    audible: none,
    humanSpeech: none,
    lineEnded: (lineId, outcome) => commands.lineEnded(lineId, outcome),
    stop: async () => {
      call.room.off(RoomEvent.DataReceived, onData);
      offFloor();
      await commands.close();
    },
  });
  return commands;
}
