import type { Logger } from 'pino';
import type { LivekitWebhookAck, LivekitWebhookEvent } from '../../protocol/webhooks.ts';
import type { ParticipantTracker } from './participants.ts';
import type { SessionService } from './sessions.ts';

/** Participant kinds that are not people in the call: our own agent, and recorders. */
const NOT_PEOPLE = new Set(['AGENT', 'EGRESS']);

export interface RoomEventsDeps {
  sessions: SessionService;
  participants: ParticipantTracker;
}

/**
 * Drives a session's lifecycle from LiveKit's room events: room_started makes it active,
 * room_finished ends it with its duration (the first end wins, whether it came from here or
 * from `POST /api/sessions/:id/end`), and people joining and leaving are tracked. Every handler
 * is idempotent, as LiveKit may deliver an event twice.
 */
export class RoomEvents {
  constructor(private readonly deps: RoomEventsDeps) {}

  async handle(event: LivekitWebhookEvent, log: Logger): Promise<LivekitWebhookAck> {
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
    const person = participant !== undefined && !NOT_PEOPLE.has(participant.kind ?? 'STANDARD');
    switch (event.event) {
      case 'room_started':
        await this.deps.sessions.markRoomStarted(sessionId, sessionLog);
        return { handled: true, sessionId };
      case 'room_finished':
        await this.deps.sessions.markRoomFinished(sessionId, sessionLog);
        this.deps.participants.closed(sessionId);
        return { handled: true, sessionId };
      case 'participant_joined':
        if (!person || session.status === 'ended') return { handled: false, sessionId };
        this.deps.participants.joined(sessionId, {
          identity: participant.identity,
          name: participant.name ?? '',
          kind: participant.kind ?? 'STANDARD',
          joinedAt: new Date(),
        });
        sessionLog.info({ pii: { identity: participant.identity } }, 'participant joined');
        return { handled: true, sessionId };
      case 'participant_left':
        if (!person) return { handled: false, sessionId };
        this.deps.participants.left(sessionId, participant.identity);
        sessionLog.info({ pii: { identity: participant.identity } }, 'participant left');
        return { handled: true, sessionId };
      default:
        return { handled: false, sessionId };
    }
  }
}
