import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { listenOnFreePort } from './listen.ts';

/** What the stand-in answers and how long it takes; zero delays make it an "instant" provider. */
export interface FakeOpenAIOptions {
  /** Text every transcription returns. @defaultValue 'hello there' */
  transcript: string;
  /** Reply every chat completion streams, one word per chunk. @defaultValue 'Sure, happy to help.' */
  reply: string;
  /** Seconds of speech synthesised per character of text. @defaultValue 0.03 */
  speechSecondsPerChar: number;
  /** @defaultValue 0 */
  sttDelayMs: number;
  /** @defaultValue 0 */
  llmFirstTokenDelayMs: number;
  /** @defaultValue 0 */
  ttsDelayMs: number;
  /** Answer chat completions with a 500, as an overloaded provider would. @defaultValue false */
  failChat: boolean;
}

export const defaultFakeOpenAIOptions: FakeOpenAIOptions = {
  transcript: 'hello there',
  reply: 'Sure, happy to help.',
  speechSecondsPerChar: 0.03,
  sttDelayMs: 0,
  llmFirstTokenDelayMs: 0,
  ttsDelayMs: 0,
  failChat: false,
};

export interface FakeOpenAI {
  /** Base URL to give an OpenAI client, ending in `/v1`. */
  baseURL: string;
  /** Every request body received, by path (chat and speech bodies parsed as JSON). */
  requests: Array<{ path: string; body: unknown }>;
  /** Live options: change them between turns. */
  options: FakeOpenAIOptions;
  close(): Promise<void>;
}

const delay = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A 220 Hz tone with a soft envelope: audible, non-silent "speech" for a fake TTS. */
export function tonePcm(seconds: number, sampleRate = 24_000): Buffer {
  const n = Math.max(1, Math.round(seconds * sampleRate));
  const out = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    const env = Math.min(1, i / 240, (n - i) / 240);
    out.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 220 * i) / sampleRate) * 8000 * env), i * 2);
  }
  return out;
}

/**
 * A local stand-in for the OpenAI API at the wire, on 127.0.0.1: `/v1/audio/transcriptions`,
 * streaming `/v1/chat/completions` and `/v1/audio/speech` (raw 24 kHz PCM), as the plugins call them.
 */
export async function startFakeOpenAI(opts: Partial<FakeOpenAIOptions> = {}): Promise<FakeOpenAI> {
  const options = { ...defaultFakeOpenAIOptions, ...opts };
  const requests: FakeOpenAI['requests'] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (path.endsWith('/audio/transcriptions')) {
      requests.push({ path, body: { bytes: body.length } });
      await delay(options.sttDelayMs);
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ text: options.transcript }));
    }
    if (path.endsWith('/chat/completions')) {
      const json = JSON.parse(body.toString('utf8')) as { model?: string };
      requests.push({ path, body: json });
      if (options.failChat) {
        res.writeHead(500, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({ error: { message: 'the fake is failing on purpose', type: 'server_error' } }),
        );
      }
      await delay(options.llmFirstTokenDelayMs);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const id = `chatcmpl-${requests.length}`;
      const chunk = (delta: object, finish: string | null) =>
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model: json.model ?? 'fake', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(chunk({ role: 'assistant', content: '' }, null));
      const words = options.reply.split(/(?<= )/);
      for (const word of words) res.write(chunk({ content: word }, null));
      res.write(chunk({}, 'stop'));
      return res.end('data: [DONE]\n\n');
    }
    if (path.endsWith('/audio/speech')) {
      const json = JSON.parse(body.toString('utf8')) as { input?: string };
      requests.push({ path, body: json });
      await delay(options.ttsDelayMs);
      res.writeHead(200, { 'content-type': 'audio/pcm' });
      return res.end(tonePcm((json.input ?? '').length * options.speechSecondsPerChar));
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `no fake for ${path}` } }));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      res.writeHead(500);
      res.end(err.message);
    });
  });
  const listening = await listenOnFreePort(server);
  return { baseURL: `${listening.url}/v1`, requests, options, close: listening.close };
}
