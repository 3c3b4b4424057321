import { Gauge, type Registry } from 'prom-client';

/** A person in a session's room, as LiveKit's webhooks reported them. */
export interface RoomParticipant {
  identity: string;
  name: string;
  /** LiveKit's participant kind: `STANDARD` (a client) or `SIP` (a phone). */
  kind: string;
  joinedAt: Date;
}

export interface ParticipantTrackerOptions {
  /** Registers `troupe_room_participants` here when given. @defaultValue undefined */
  registry: Registry | undefined;
  /** Sessions tracked at most; the oldest is forgotten past this, in case room_finished never came. @defaultValue 10000 */
  maxSessions: number;
}

export const defaultParticipantTrackerOptions: ParticipantTrackerOptions = {
  registry: undefined,
  maxSessions: 10_000,
};

/**
 * Who is in each session's room right now, from participant_joined / participant_left webhooks.
 * Kept in this process's memory: the sessions table has no column for it (a `session_participants`
 * table — session_id, identity, name, kind, joined_at, left_at — would keep it across restarts and
 * replicas). A restart forgets the current rooms until their next events.
 */
export class ParticipantTracker {
  readonly #rooms = new Map<string, Map<string, RoomParticipant>>();
  readonly #o: ParticipantTrackerOptions;

  constructor(opts: Partial<ParticipantTrackerOptions> = {}) {
    this.#o = { ...defaultParticipantTrackerOptions, ...opts };
    if (this.#o.registry) {
      const total = () => this.total();
      new Gauge({
        name: 'troupe_room_participants',
        help: 'People (not agents) in the rooms of Troupe sessions, from LiveKit webhooks',
        registers: [this.#o.registry],
        collect() {
          this.set(total());
        },
      });
    }
  }

  /** Records a join; a repeated delivery of the same join changes nothing. */
  joined(sessionId: string, participant: RoomParticipant): void {
    let room = this.#rooms.get(sessionId);
    if (!room) {
      if (this.#rooms.size >= this.#o.maxSessions) {
        const oldest = this.#rooms.keys().next().value;
        if (oldest !== undefined) this.#rooms.delete(oldest);
      }
      room = new Map();
      this.#rooms.set(sessionId, room);
    }
    if (!room.has(participant.identity)) room.set(participant.identity, participant);
  }

  left(sessionId: string, identity: string): void {
    const room = this.#rooms.get(sessionId);
    room?.delete(identity);
    if (room?.size === 0) this.#rooms.delete(sessionId);
  }

  /** The room closed: everyone is gone. */
  closed(sessionId: string): void {
    this.#rooms.delete(sessionId);
  }

  participants(sessionId: string): RoomParticipant[] {
    return [...(this.#rooms.get(sessionId)?.values() ?? [])];
  }

  total(): number {
    let n = 0;
    for (const room of this.#rooms.values()) n += room.size;
    return n;
  }
}
