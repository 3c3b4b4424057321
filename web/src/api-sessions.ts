import type {
  Analytics,
  CreatedInvite,
  RoomAccess,
  SessionDetail,
  SessionList,
} from '../../protocol/index.ts';
import { request, requestBlob } from './api.ts';
import type { PresenceSource } from './presence-watch.ts';
import { analyticsQueryString, historyQueryString } from './query.ts';
import type { HistoryFilters } from './query.ts';

const base = (id: string): string => `/api/sessions/${encodeURIComponent(id)}`;

/** One page of the account's sessions, newest first. */
export async function listSessions(
  filters: HistoryFilters,
  page: { limit: number; cursor?: string },
): Promise<{ sessions: SessionList['sessions']; nextCursor: string | null }> {
  const body = await request<SessionList>('GET', `/api/sessions${historyQueryString(filters, page)}`);
  return { sessions: body.sessions, nextCursor: body.nextCursor ?? null };
}

export const getSession = (id: string): Promise<SessionDetail> => request('GET', base(id));

/** Re-arms a failed (or still waiting) session: the API dispatches its agent again. 409 once ended. */
export const retrySession = (id: string): Promise<SessionDetail> => request('POST', `${base(id)}/retry`);

/** The owner's view of a session's agent, for a PresenceWatch. */
export const presenceSource = (id: string): PresenceSource => ({
  read: () => getSession(id),
  retry: () => retrySession(id),
});

export const deleteSession = (id: string): Promise<void> => request('DELETE', base(id));

export const exportSession = (id: string, format: 'json' | 'text'): Promise<Blob> =>
  requestBlob('GET', `${base(id)}/export?format=${format}`);

export const createInvite = (sessionId: string): Promise<CreatedInvite> =>
  request('POST', `${base(sessionId)}/invites`, {});

/** A guest's way into a call: no account, only the code. */
export function joinInvite(code: string, displayName: string): Promise<RoomAccess> {
  const name = displayName.trim();
  return request(
    'POST',
    `/api/invites/${encodeURIComponent(code)}/join`,
    name === '' ? {} : { displayName: name },
  );
}

/** Figures for the last `days` days: the account's own, or one character's. */
export function getAnalytics(characterId: string | undefined, days: number): Promise<Analytics> {
  const path =
    characterId === undefined
      ? '/api/analytics/me'
      : `/api/analytics/characters/${encodeURIComponent(characterId)}`;
  return request('GET', `${path}${analyticsQueryString(days)}`);
}
