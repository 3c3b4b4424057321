// Voice cloning through ElevenLabs' add-voice API (`POST /v1/voices/add`, multipart with `name`,
// optional `description` and one or more `files`, key in `xi-api-key`). The key is sent to
// ElevenLabs only: it is never logged, returned, or put into an error message.
import { ELEVENLABS_DEFAULT_BASE_URL, type ProviderOptions } from '../../speech/options.ts';
import { HttpError } from '../errors.ts';

export interface VoiceCloneOptions {
  /** The providers of this server; cloning needs an ElevenLabs key (`ELEVENLABS_API_KEY`). */
  providers: ProviderOptions;
  /** Longest the upload and ElevenLabs' answer may take. @defaultValue 120000 */
  timeoutMs: number;
}

export interface VoiceSample {
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface CloneRequest {
  name: string;
  description?: string;
  files: VoiceSample[];
}

/** Cloning without ElevenLabs: a 409 with its own code, so the builder can hide the feature. */
export class VoiceCloningUnavailableError extends HttpError {
  constructor() {
    super(
      409,
      'voice_cloning_unavailable',
      'voice cloning needs ElevenLabs, and this server has no ELEVENLABS_API_KEY',
    );
  }
}

export class VoiceCloneService {
  readonly #opts: VoiceCloneOptions;

  constructor(opts: Partial<VoiceCloneOptions> & Pick<VoiceCloneOptions, 'providers'>) {
    this.#opts = { timeoutMs: 120_000, ...opts };
  }

  get available(): boolean {
    return this.#opts.providers.elevenlabs.apiKey !== undefined;
  }

  /** Adds the voice at ElevenLabs and returns its voice_id; throws an HttpError saying what went wrong. */
  async clone(req: CloneRequest): Promise<string> {
    const key = this.#opts.providers.elevenlabs.apiKey;
    if (!key) throw new VoiceCloningUnavailableError();
    const base = (this.#opts.providers.elevenlabs.baseUrl ?? ELEVENLABS_DEFAULT_BASE_URL).replace(/\/+$/, '');
    const form = new FormData();
    form.append('name', req.name);
    if (req.description) form.append('description', req.description);
    for (const f of req.files)
      form.append('files', new Blob([new Uint8Array(f.data)], { type: f.contentType }), f.filename);

    let res: Response;
    try {
      res = await fetch(`${base}/voices/add`, {
        method: 'POST',
        headers: { 'xi-api-key': key, accept: 'application/json' },
        body: form,
        signal: AbortSignal.timeout(this.#opts.timeoutMs),
      });
    } catch (err) {
      const timedOut = err instanceof Error && err.name === 'TimeoutError';
      throw new HttpError(
        503,
        'upstream_unavailable',
        timedOut ? 'ElevenLabs did not answer in time' : 'ElevenLabs could not be reached',
      );
    }
    const body = (await res.json().catch(() => undefined)) as
      { voice_id?: unknown; detail?: unknown } | undefined;
    if (res.ok && typeof body?.voice_id === 'string' && body.voice_id !== '') return body.voice_id;
    throw cloneFailure(res.status, body?.detail, key);
  }
}

/** ElevenLabs' answer as one of ours. Their message is passed on only for a refusal of the samples. */
function cloneFailure(status: number, detail: unknown, key: string): HttpError {
  const details = { upstreamStatus: status };
  if (status === 400 || status === 422) {
    const said = upstreamMessage(detail, key);
    return new HttpError(
      400,
      'bad_request',
      `ElevenLabs refused the voice samples${said ? `: ${said}` : ''}`,
      details,
    );
  }
  if (status === 401 || status === 403)
    return new HttpError(502, 'upstream_unavailable', "ElevenLabs refused this server's API key", details);
  if (status === 429)
    return new HttpError(
      503,
      'upstream_unavailable',
      'ElevenLabs is busy or the quota is used up; try later',
      details,
    );
  if (status >= 200 && status < 300)
    return new HttpError(502, 'upstream_unavailable', 'ElevenLabs answered without a voice id', details);
  return new HttpError(
    503,
    'upstream_unavailable',
    `ElevenLabs failed to add the voice (it answered ${status})`,
    details,
  );
}

/** `detail.message` or a string `detail`, shortened, with the key cut out should it ever appear. */
function upstreamMessage(detail: unknown, key: string): string {
  const raw =
    typeof detail === 'string'
      ? detail
      : detail && typeof detail === 'object' && typeof (detail as { message?: unknown }).message === 'string'
        ? (detail as { message: string }).message
        : '';
  return raw.split(key).join('[redacted]').replace(/\s+/g, ' ').trim().slice(0, 300);
}
