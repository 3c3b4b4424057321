import type {
  Broadcast,
  BroadcastList,
  CreateBroadcastRequest,
  RoomAccess,
  StageAccess,
  StartBroadcastResponse,
  UpdateBroadcastRequest,
} from '../../protocol/index.ts';
import { request } from './api.ts';

// The broadcast control page's calls to api/routes/broadcasts.ts. Request bodies are what a client
// sends (`z.input`): defaults are the API's to apply.

const base = (id: string): string => `/api/broadcasts/${encodeURIComponent(id)}`;

/** A create body as sent: every defaulted field may be left out. */
export type CreateBroadcastBody = Omit<Partial<CreateBroadcastRequest>, 'title' | 'characterIds' | 'twitch'> &
  Pick<CreateBroadcastRequest, 'title' | 'characterIds'> & {
    twitch: Omit<CreateBroadcastRequest['twitch'], 'ingestUrl'> & { ingestUrl?: string };
  };

export const listBroadcasts = async (): Promise<Broadcast[]> =>
  (await request<BroadcastList>('GET', '/api/broadcasts')).broadcasts;
export const getBroadcast = (id: string): Promise<Broadcast> => request('GET', base(id));
export const createBroadcast = (body: CreateBroadcastBody): Promise<Broadcast> =>
  request('POST', '/api/broadcasts', body);
export const updateBroadcast = (id: string, body: UpdateBroadcastRequest): Promise<Broadcast> =>
  request('PATCH', base(id), body);
export const deleteBroadcast = (id: string): Promise<void> => request('DELETE', base(id));
export const startBroadcast = (id: string): Promise<StartBroadcastResponse> =>
  request('POST', `${base(id)}/start`, {});
export const stopBroadcast = (id: string): Promise<Broadcast> => request('POST', `${base(id)}/stop`, {});
/** A view-only token and the stage page's URL (for OBS), while on air. */
export const stageAccess = (id: string): Promise<StageAccess> => request('GET', `${base(id)}/stage-token`);
/** A fresh room token for the owner of the broadcast's running session (after a reload). */
export const ownerRoomAccess = (sessionId: string): Promise<RoomAccess> =>
  request('POST', `/api/sessions/${encodeURIComponent(sessionId)}/token`, {});
