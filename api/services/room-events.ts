import type { Logger } from 'pino';
import { isJobIdentity } from '../../protocol/index.ts';
import type { LivekitWebhookAck, LivekitWebhookEvent } from '../../protocol/webhooks.ts';
import type { AgentSupervisor } from './agent-supervisor.ts';
import type { ParticipantStore } from './participants.ts';
import type { SessionService } from './sessions.ts';

/** What broadcasts need to hear from LiveKit (api/services/broadcasts/service.ts). */
export interface BroadcastEvents {
  /** `egress_started`, `egress_updated`, `egress_ended`. */
  handleEgressEvent(event: LivekitWebhookEvent, log: Logger): Promise<LivekitWebhookAck>;
  /** The room of a broadcast's session closed. */
  sessionFinished(sessionId: string, log: Logger): Promise<void>;
}

export interface RoomEventsDeps {
  sessions: SessionService;
  participants: ParticipantStore;
  /** @defaultValue undefined (egress events are ignored) */
  broadcasts?: BroadcastEvents;
  /** Told when a session's agent job joins or leaves its room. @defaultValue undefined */
  agents?: Pick<AgentSupervisor, 'joined' | 'lost'>;
}

/**
 * Drives a session's lifecycle from LiveKit's room events: room_started makes it active,
 * room_finished ends it with its duration (the first end wins, whether it came from here or
 * from `POST /api/sessions/:id/end`), and everyone joining and leaving (people, agents,
 * recorders) is stored in session_participants. Every handler
 * is idempotent, as LiveKit may deliver an event twice.
 */
export class RoomEvents {
  constructor(private readonly deps: RoomEventsDeps) {}

  async handle(event: LivekitWebhookEvent, log: Logger): Promise<LivekitWebhookAck> {
    if (event.event.startsWith('egress_'))
      return this.deps.broadcasts ? this.deps.broadcasts.handleEgressEvent(event, log) : { handled: false };
    const roomName = event.room?.name;
    if (!roomName) return { handled: false };
    const session = await this.deps.sessions.findByRoom(roomName);
    if (!session) {
      log.debug({ event: event.event, room: roomName }, 'webhook for a room that is no session: ignored');
      return { handled: false };
    }
    const sessionId = session.id;
    const sessionLog = log.child({ sessionId, room: roomName });
    const participant = event.participant;
    switch (event.event) {
      case 'room_started':
        await this.deps.sessions.markRoomStarted(sessionId, sessionLog);
        return { handled: true, sessionId };
      case 'room_finished':
        await this.deps.sessions.markRoomFinished(sessionId, sessionLog);
        await this.deps.participants.closed(sessionId);
        await this.deps.broadcasts?.sessionFinished(sessionId, sessionLog);
        return { handled: true, sessionId };
      case 'participant_joined':
        if (!participant || session.status === 'ended') return { handled: false, sessionId };
        await this.deps.participants.joined(sessionId, {
          identity: participant.identity,
          name: participant.name ?? '',
          kind: participant.kind ?? 'STANDARD',
        });
        sessionLog.info(
          { kind: participant.kind ?? 'STANDARD', pii: { identity: participant.identity } },
          'participant joined',
        );
        if (isJobIdentity(participant.identity))
          await this.deps.agents?.joined(sessionId, participant.identity, sessionLog);
        return { handled: true, sessionId };
      case 'participant_left':
        if (!participant) return { handled: false, sessionId };
        await this.deps.participants.left(sessionId, participant.identity);
        sessionLog.info(
          { kind: participant.kind ?? 'STANDARD', pii: { identity: participant.identity } },
          'participant left',
        );
        if (isJobIdentity(participant.identity))
          await this.deps.agents?.lost(
            sessionId,
            participant.identity,
            'the character left the room',
            sessionLog,
          );
        return { handled: true, sessionId };
      default:
        return { handled: false, sessionId };
    }
  }
}
