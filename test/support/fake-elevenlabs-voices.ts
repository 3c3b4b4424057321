import { createServer, type IncomingMessage, type Server } from 'node:http';
import { listenOnFreePort } from './listen.ts';

/** What the add-voice stand-in answers; change between requests. */
export interface FakeVoicesOptions {
  /** The `xi-api-key` a request must carry; anything else gets a 401. @defaultValue 'test-key' */
  apiKey: string;
  /** Answer every add-voice request with this status (400, 500…) instead of a voice. @defaultValue undefined */
  failWith: number | undefined;
  /** The voice id a successful request gets. @defaultValue 'cloned-voice-1' */
  voiceId: string;
  /**
   * Where every other request goes (e.g. the text-to-speech fake's baseURL), so that one
   * ELEVENLABS_BASE_URL serves both. @defaultValue undefined (404)
   */
  otherwise: string | undefined;
}

/** One add-voice request as the fake read it; the key itself is never kept. */
export interface FakeAddVoiceRequest {
  keyMatched: boolean;
  /** Whether any `xi-api-key` header was sent at all. */
  keySent: boolean;
  contentType: string;
  name: string | undefined;
  description: string | undefined;
  files: Array<{ name: string; type: string; bytes: number }>;
  status: number;
}

export interface FakeVoices {
  /** Base URL ending in `/v1`, as ELEVENLABS_BASE_URL takes it. */
  baseURL: string;
  requests: FakeAddVoiceRequest[];
  options: FakeVoicesOptions;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A local stand-in for ElevenLabs' add-voice endpoint (`POST /v1/voices/add`, multipart with `name`,
 * optional `description` and `files`, key in `xi-api-key`), answering `{voice_id}` or an error in
 * ElevenLabs' `{detail: {status, message}}` shape. The form is parsed with the platform's own
 * multipart reader (undici's Request.formData()).
 */
export async function startFakeVoices(opts: Partial<FakeVoicesOptions> = {}): Promise<FakeVoices> {
  const options: FakeVoicesOptions = {
    apiKey: 'test-key',
    failWith: undefined,
    voiceId: 'cloned-voice-1',
    otherwise: undefined,
    ...opts,
  };
  const requests: FakeAddVoiceRequest[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await body(req);
      const answer = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if ((req.method !== 'POST' || req.url !== '/v1/voices/add') && options.otherwise) {
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter(
            ([k, v]) => typeof v === 'string' && k !== 'host' && k !== 'content-length',
          ),
        ) as Record<string, string>;
        const upstream = await fetch(`${options.otherwise.replace(/\/v1$/, '')}${req.url}`, {
          method: req.method,
          headers,
          ...(raw.length > 0 ? { body: new Uint8Array(raw) } : {}),
        });
        res.writeHead(upstream.status, {
          'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
        });
        return res.end(Buffer.from(await upstream.arrayBuffer()));
      }
      if (req.method !== 'POST' || req.url !== '/v1/voices/add')
        return answer(404, { detail: { status: 'not_found', message: 'no such endpoint' } });
      const contentType = req.headers['content-type'] ?? '';
      const entry: FakeAddVoiceRequest = {
        keyMatched: req.headers['xi-api-key'] === options.apiKey,
        keySent: req.headers['xi-api-key'] !== undefined,
        contentType,
        name: undefined,
        description: undefined,
        files: [],
        status: 0,
      };
      requests.push(entry);
      try {
        const form = await new Request('http://fake/', {
          method: 'POST',
          headers: { 'content-type': contentType },
          body: new Uint8Array(raw),
        }).formData();
        const text = (k: string) => (typeof form.get(k) === 'string' ? (form.get(k) as string) : undefined);
        entry.name = text('name');
        entry.description = text('description');
        for (const f of form.getAll('files'))
          if (typeof f !== 'string') entry.files.push({ name: f.name, type: f.type, bytes: f.size });
      } catch {
        entry.status = 400;
        return answer(400, { detail: { status: 'invalid_form', message: 'the form could not be read' } });
      }
      if (!entry.keyMatched) {
        entry.status = 401;
        return answer(401, { detail: { status: 'invalid_api_key', message: 'Invalid API key' } });
      }
      if (options.failWith !== undefined) {
        entry.status = options.failWith;
        return answer(options.failWith, {
          detail: {
            status: 'refused',
            message: options.failWith === 400 ? 'The audio is too short to clone.' : 'Internal error',
          },
        });
      }
      if (!entry.name || entry.files.length === 0) {
        entry.status = 422;
        return answer(422, { detail: { status: 'missing_fields', message: 'name and files are required' } });
      }
      entry.status = 200;
      answer(200, { voice_id: options.voiceId, requires_verification: false });
    })();
  });
  const listening = await listenOnFreePort(server);
  return { baseURL: `${listening.url}/v1`, requests, options, close: listening.close };
}
