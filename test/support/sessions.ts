// Sessions for tests and benchmarks, made through the API as a person makes them.
import { CreateSessionResponse, SessionDetail } from '../../protocol/index.ts';

/** `POST /api/sessions` for a one-to-one call as `who`; throws unless the API answers 201. */
export async function createCallSession(
  apiUrl: string,
  who: { headers: Record<string, string> },
  characterId: string,
  displayName?: string,
): Promise<CreateSessionResponse> {
  const res = await fetch(`${apiUrl}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...who.headers },
    body: JSON.stringify({ mode: 'call', characterId, displayName }),
  });
  if (res.status !== 201) throw new Error(`POST /api/sessions answered ${res.status}: ${await res.text()}`);
  return CreateSessionResponse.parse(await res.json());
}

/** `GET /api/sessions/:id` as `who`; throws unless the API answers 200. */
export async function sessionDetail(
  apiUrl: string,
  who: { headers: Record<string, string> },
  id: string,
): Promise<SessionDetail> {
  const res = await fetch(`${apiUrl}/api/sessions/${id}`, { headers: who.headers });
  if (!res.ok) throw new Error(`GET /api/sessions/${id} answered ${res.status}: ${await res.text()}`);
  return SessionDetail.parse(await res.json());
}
