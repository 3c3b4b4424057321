import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../../db/client.ts';
import { invites, sessions } from '../../db/schema.ts';
import type { CreatedInvite, Invite, RoomAccess } from '../../protocol/index.ts';
import type { LivekitService } from './livekit.ts';
import { type SessionFacts, sessionFactsColumns } from './sessions.ts';

type InviteRow = typeof invites.$inferSelect;

export interface InviteServiceDeps {
  db: Db;
  livekit: LivekitService;
  /** The LiveKit URL returned to browsers. */
  livekitPublicUrl: string;
  /** The clock, in epoch milliseconds; tests pass a fake one. */
  now: () => number;
}

/** 192 random bits, base64url: 32 characters. */
const CODE_FORMAT = /^[\w-]{32}$/;
const GUEST_NAME = 'Guest';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * Who gets into a session's room: its owner again (a fresh token), and guests holding one of its
 * invites while the invite is neither expired nor revoked and the session has not ended.
 * Neither kind of token dispatches the agent: it was dispatched when the session was created.
 */
export class InviteService {
  constructor(private readonly deps: InviteServiceDeps) {}

  /** A fresh token for the owner, under the identity the agent already talks with. */
  async ownerAccess(session: SessionFacts): Promise<RoomAccess> {
    return this.access(session, session.callerIdentity, session.callerName);
  }

  async create(
    session: SessionFacts,
    createdBy: string,
    expiresInS: number,
    webOrigin: string,
  ): Promise<CreatedInvite> {
    const code = randomBytes(24).toString('base64url');
    const expiresAt = new Date(this.deps.now() + expiresInS * 1000);
    const [row] = await this.deps.db
      .insert(invites)
      .values({ sessionId: session.id, codeHash: sha256(code), createdBy, expiresAt })
      .returning({ id: invites.id });
    return {
      id: row!.id,
      code,
      url: `${webOrigin}/#/join/${code}`,
      expiresAt: expiresAt.toISOString(),
    };
  }

  async list(sessionId: string): Promise<Invite[]> {
    const rows = await this.deps.db
      .select()
      .from(invites)
      .where(eq(invites.sessionId, sessionId))
      .orderBy(desc(invites.createdAt), desc(invites.id));
    return rows.map((r) => this.toInvite(r));
  }

  /** Revokes one of the session's invites; false when it has no such invite. Revoking twice is fine. */
  async revoke(sessionId: string, inviteId: string): Promise<boolean> {
    await this.deps.db
      .update(invites)
      .set({ revokedAt: new Date(this.deps.now()) })
      .where(and(eq(invites.id, inviteId), eq(invites.sessionId, sessionId), isNull(invites.revokedAt)));
    const [row] = await this.deps.db
      .select({ id: invites.id })
      .from(invites)
      .where(and(eq(invites.id, inviteId), eq(invites.sessionId, sessionId)))
      .limit(1);
    return row !== undefined;
  }

  /**
   * A room token for a new guest identity; undefined when the code is unknown, expired or revoked,
   * or its session has ended: one answer for all, so a code guesser learns nothing.
   */
  async join(code: string, displayName: string | undefined, log: Logger): Promise<RoomAccess | undefined> {
    if (!CODE_FORMAT.test(code)) return undefined;
    const [row] = await this.deps.db
      .select({
        invite: invites,
        session: sessionFactsColumns,
      })
      .from(invites)
      .innerJoin(sessions, eq(sessions.id, invites.sessionId))
      .where(eq(invites.codeHash, sha256(code)))
      .limit(1);
    if (!row || this.statusOf(row.invite) !== 'active' || row.session.status === 'ended') return undefined;
    const identity = `guest-${randomBytes(5).toString('hex')}`;
    const access = await this.access(row.session, identity, displayName ?? GUEST_NAME);
    log.info(
      { sessionId: row.session.id, room: row.session.roomName, inviteId: row.invite.id, pii: { identity } },
      'guest joined by invite',
    );
    return access;
  }

  private async access(session: SessionFacts, identity: string, name: string): Promise<RoomAccess> {
    const token = await this.deps.livekit.callerToken({ room: session.roomName, identity, name });
    return {
      sessionId: session.id,
      roomName: session.roomName,
      url: this.deps.livekitPublicUrl,
      token,
      identity,
    };
  }

  private statusOf(row: InviteRow): Invite['status'] {
    if (row.revokedAt !== null) return 'revoked';
    return row.expiresAt.getTime() <= this.deps.now() ? 'expired' : 'active';
  }

  private toInvite(row: InviteRow): Invite {
    return {
      id: row.id,
      sessionId: row.sessionId,
      status: this.statusOf(row),
      createdAt: row.createdAt.toISOString(),
      expiresAt: row.expiresAt.toISOString(),
      revokedAt: row.revokedAt?.toISOString() ?? null,
    };
  }
}
