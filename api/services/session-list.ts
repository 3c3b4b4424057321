import { and, eq, exists, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { messages, sessionCharacters, sessions } from '../../db/schema.ts';
import type { SessionList, SessionListQuery } from '../../protocol/index.ts';
import { BadRequestError, ForbiddenError } from '../errors.ts';
import type { Principal } from './access.ts';
import { after, containsPattern, decodeCursor, keyColumns, orderTerms, type SortKey } from './keyset.ts';
import { keysetPage } from './keyset-page.ts';
import { toSessionSummary } from './sessions.ts';

const NEWEST_FIRST: SortKey[] = [
  { expr: sessions.createdAt, dir: 'desc', cast: 'timestamptz' },
  { expr: sessions.id, dir: 'desc', cast: 'uuid' },
];
const ORDER = 'newest';

/** `GET /api/sessions` with its filters. */
export class SessionSearch {
  constructor(private readonly db: Db) {}

  /**
   * One page of an account's sessions, newest first, filtered. Everyone lists their own; an
   * operator may name another account with `ownerId`.
   */
  list(principal: Principal, query: SessionListQuery): Promise<SessionList> {
    return listSessions(this.db, principal, query);
  }
}

async function listSessions(db: Db, principal: Principal, query: SessionListQuery): Promise<SessionList> {
  const ownerId = query.ownerId ?? principal.id;
  if (ownerId !== principal.id && principal.role !== 'operator')
    throw new ForbiddenError("only operators may list another account's sessions");
  if (query.from && query.to && Date.parse(query.from) >= Date.parse(query.to))
    throw new BadRequestError('from must be before to');

  const filters: (SQL | undefined)[] = [eq(sessions.ownerId, ownerId)];
  if (query.characterId !== undefined)
    filters.push(
      exists(
        db
          .select({ one: sql`1` })
          .from(sessionCharacters)
          .where(
            and(
              eq(sessionCharacters.sessionId, sessions.id),
              eq(sessionCharacters.characterId, query.characterId),
            ),
          ),
      ),
    );
  if (query.status !== undefined) filters.push(eq(sessions.status, query.status));
  if (query.mode !== undefined) filters.push(eq(sessions.mode, query.mode));
  if (query.from !== undefined)
    filters.push(sql`${sessions.createdAt} >= ${new Date(query.from).toISOString()}::timestamptz`);
  if (query.to !== undefined)
    filters.push(sql`${sessions.createdAt} < ${new Date(query.to).toISOString()}::timestamptz`);
  if (query.q !== undefined) {
    const pattern = containsPattern(query.q);
    filters.push(
      exists(
        db
          .select({ one: sql`1` })
          .from(messages)
          .where(
            and(
              eq(messages.sessionId, sessions.id),
              or(sql`${messages.text} ilike ${pattern}`, sql`${messages.heardText} ilike ${pattern}`),
            ),
          ),
      ),
    );
  }
  if (query.cursor !== undefined)
    filters.push(after(NEWEST_FIRST, decodeCursor(query.cursor, ORDER, NEWEST_FIRST)));

  const rows = await db
    .select({ row: sessions, ...keyColumns(NEWEST_FIRST) })
    .from(sessions)
    .where(and(...filters))
    .orderBy(...orderTerms(NEWEST_FIRST))
    .limit(query.limit + 1);
  const page = keysetPage(rows, query.limit, ORDER, NEWEST_FIRST);
  return { sessions: page.rows.map((row) => toSessionSummary(row)), nextCursor: page.nextCursor };
}
