import { and, asc, eq, isNull, notInArray, sql } from 'drizzle-orm';
import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../../db/client.ts';
import { sessionParticipants, sessions } from '../../db/schema.ts';
import type { SessionParticipant } from '../../protocol/index.ts';

/** Someone in a session's room, as LiveKit's webhooks reported them. */
export interface RoomParticipant {
  identity: string;
  name: string;
  /** LiveKit's participant kind: `STANDARD` (a client), `AGENT`, `SIP` (a phone), `EGRESS`, … */
  kind: string;
}

/** Kinds that are not people in the call: our own agent, and recorders. */
export const NOT_PEOPLE: readonly string[] = ['AGENT', 'EGRESS'];

export interface ParticipantStoreOptions {
  db: Db;
  /** Registers `troupe_room_participants` here when given. @defaultValue undefined */
  registry?: Registry | undefined;
}

/**
 * Who is and was in each session's room, kept in `session_participants` from participant_joined /
 * participant_left / room_finished webhooks, so it survives restarts and is the same for every API
 * replica. One row per identity: the first join, and the last leave (null while present). Every
 * write is idempotent, as LiveKit may deliver an event twice.
 */
export class ParticipantStore {
  readonly #db: Db;

  constructor(opts: ParticipantStoreOptions) {
    this.#db = opts.db;
    if (opts.registry) {
      const present = () => this.peoplePresent();
      new Gauge({
        name: 'troupe_room_participants',
        help: 'People (not agents) in the rooms of Troupe sessions that have not ended, from LiveKit webhooks',
        registers: [opts.registry],
        async collect() {
          this.set(await present());
        },
      });
    }
  }

  /** A join: a new row, or a rejoin that keeps the first joined_at and clears left_at. */
  async joined(sessionId: string, p: RoomParticipant): Promise<void> {
    await this.#db
      .insert(sessionParticipants)
      .values({ sessionId, identity: p.identity, name: p.name, kind: p.kind, joinedAt: sql`now()` })
      .onConflictDoUpdate({
        target: [sessionParticipants.sessionId, sessionParticipants.identity],
        set: { name: p.name, kind: p.kind, leftAt: null },
      });
  }

  /** A leave: left_at set, unless already set (a repeated delivery keeps the first). */
  async left(sessionId: string, identity: string): Promise<void> {
    await this.#db
      .update(sessionParticipants)
      .set({ leftAt: sql`now()` })
      .where(
        and(
          eq(sessionParticipants.sessionId, sessionId),
          eq(sessionParticipants.identity, identity),
          isNull(sessionParticipants.leftAt),
        ),
      );
  }

  /** The room closed: everyone still present has left. */
  async closed(sessionId: string): Promise<void> {
    await this.#db
      .update(sessionParticipants)
      .set({ leftAt: sql`now()` })
      .where(and(eq(sessionParticipants.sessionId, sessionId), isNull(sessionParticipants.leftAt)));
  }

  /** Everyone who was in the room, first joined first. */
  list(sessionId: string): Promise<SessionParticipant[]> {
    return participantsOf(this.#db, sessionId);
  }

  /**
   * People present in rooms of sessions that have not ended. Ended sessions are left out: a room
   * whose room_finished was lost would otherwise count its people for ever.
   */
  async peoplePresent(): Promise<number> {
    const [row] = await this.#db
      .select({ n: sql<number>`count(*)::int`.mapWith(Number) })
      .from(sessionParticipants)
      .innerJoin(sessions, eq(sessions.id, sessionParticipants.sessionId))
      .where(
        and(
          isNull(sessionParticipants.leftAt),
          notInArray(sessionParticipants.kind, [...NOT_PEOPLE]),
          sql`${sessions.status} <> 'ended'`,
        ),
      );
    return row?.n ?? 0;
  }
}

/** Everyone who was in a session's room, first joined first. */
export async function participantsOf(db: Db, sessionId: string): Promise<SessionParticipant[]> {
  const rows = await db
    .select()
    .from(sessionParticipants)
    .where(eq(sessionParticipants.sessionId, sessionId))
    .orderBy(asc(sessionParticipants.joinedAt), asc(sessionParticipants.identity));
  return rows.map((r) => ({
    identity: r.identity,
    name: r.name,
    kind: r.kind,
    joinedAt: r.joinedAt.toISOString(),
    leftAt: r.leftAt?.toISOString() ?? null,
  }));
}
