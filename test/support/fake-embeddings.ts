import { createServer, type IncomingMessage } from 'node:http';
import { listenOnFreePort } from './listen.ts';

/** A hashed bag of words, L2-normalised: texts sharing words get close vectors, deterministically. */
export function hashedBagOfWords(text: string, dimensions: number): number[] {
  const v = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    let h = 0x811c9dc5;
    for (const ch of word) h = Math.imul(h ^ (ch.codePointAt(0) ?? 0), 0x01000193) >>> 0;
    v[h % dimensions]! += 1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

export interface FakeEmbeddings {
  /** Base URL ending in `/v1`, as EMBEDDINGS_BASE_URL takes it. */
  baseURL: string;
  /** Every request: its bearer token and body. */
  requests: Array<{ authorization: string | undefined; body: { model?: string; input?: string[] } }>;
  /** Answer with this status instead of vectors. @defaultValue undefined */
  failWith: number | undefined;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** A local stand-in for OpenAI's `POST /v1/embeddings`, on 127.0.0.1. */
export async function startFakeEmbeddings(dimensions = 64): Promise<FakeEmbeddings> {
  const fake: Omit<FakeEmbeddings, 'baseURL' | 'close'> = { requests: [], failWith: undefined };
  const server = createServer((req, res) => {
    readJson(req)
      .then((body) => {
        const b = body as { model?: string; input?: string[] };
        fake.requests.push({ authorization: req.headers.authorization, body: b });
        if (req.url !== '/v1/embeddings' || fake.failWith !== undefined) {
          res.writeHead(fake.failWith ?? 404, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ error: { message: 'no' } }));
        }
        const data = (b.input ?? []).map((text, index) => ({
          object: 'embedding',
          index,
          embedding: hashedBagOfWords(text, dimensions),
        }));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            object: 'list',
            data,
            model: b.model,
            usage: { prompt_tokens: 0, total_tokens: 0 },
          }),
        );
      })
      .catch(() => {
        res.writeHead(400);
        res.end();
      });
  });
  const listening = await listenOnFreePort(server);
  return Object.assign(fake, { baseURL: `${listening.url}/v1`, close: listening.close });
}
