import { createHash } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { tonePcm } from './fake-openai.ts';
import { listenOnFreePort } from './listen.ts';

/** What the stand-in expects and answers; change `fail` between turns. */
export interface FakeElevenLabsOptions {
  /** The `xi-api-key` a request must carry; anything else is refused with a 401. @defaultValue 'test-key' */
  apiKey: string;
  /** Seconds of speech synthesised per character of text. @defaultValue 0.03 */
  speechSecondsPerChar: number;
  /** Length of each base64 audio message on the WebSocket. @defaultValue 200 */
  audioChunkMs: number;
  /**
   * Behave like an ElevenLabs outage: WebSocket upgrades and HTTP synthesis are refused with a 503,
   * and an open socket is closed with 1011 at the next message it receives. @defaultValue false
   */
  fail: boolean;
}

export const defaultFakeElevenLabsOptions: FakeElevenLabsOptions = {
  apiKey: 'test-key',
  speechSecondsPerChar: 0.03,
  audioChunkMs: 200,
  fail: false,
};

/** One connection (WebSocket) or request (HTTP) the fake received. The key itself is never kept. */
export interface FakeElevenLabsRequest {
  kind: 'websocket' | 'http';
  /** Path without the query, e.g. `/v1/text-to-speech/<voice>/multi-stream-input`. */
  path: string;
  /** The voice id from the path; '' when the path is not a text-to-speech one. */
  voiceId: string;
  query: Record<string, string>;
  /** Request headers, without `xi-api-key` and `authorization`. */
  headers: Record<string, string>;
  /** Whether `xi-api-key` equalled the expected key. */
  keyMatched: boolean;
  /** 101 for an accepted WebSocket, otherwise the HTTP status answered. */
  status: number;
  /** JSON messages the client sent on the socket, or the JSON body of an HTTP request. */
  messages: unknown[];
  /** Base64 audio messages (WebSocket) or PCM responses (HTTP) sent back. */
  audioMessages: number;
  /** WebSocket close code once the socket closed (1006 when it dropped without a close frame). */
  closeCode?: number;
  /** Which side sent the close frame first. */
  closedBy?: 'client' | 'server';
}

export interface FakeElevenLabs {
  /** Base URL to give the ElevenLabs plugin (`baseURL`), ending in `/v1` like the real one. */
  baseURL: string;
  /** Every connection and request, in arrival order; entries grow as messages arrive. */
  requests: FakeElevenLabsRequest[];
  /** Live options: change them between turns. */
  options: FakeElevenLabsOptions;
  /** Resolves once `predicate` holds for `requests`, re-checked on every connection and message. */
  waitFor(predicate: (requests: FakeElevenLabsRequest[]) => boolean): Promise<void>;
  close(): Promise<void>;
}

const TTS_PATH = /^\/v1\/text-to-speech\/([^/]+)\/(multi-stream-input|stream)$/;
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The request's headers as strings, without the credentials. */
function recordedHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'xi-api-key' || name === 'authorization' || value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** `pcm_22050` → 22050; undefined for encoded formats (mp3, opus, µ-law), which the fake cannot make. */
function pcmRate(outputFormat: string | undefined): number | undefined {
  const m = /^pcm_(\d+)$/.exec(outputFormat ?? '');
  return m ? Number(m[1]) : undefined;
}

/** An ElevenLabs alignment block: each character gets an equal share of `durationMs`. */
function alignment(text: string, durationMs: number) {
  const chars = [...text];
  const each = chars.length > 0 ? Math.floor(durationMs / chars.length) : 0;
  return {
    chars,
    charStartTimesMs: chars.map((_, i) => i * each),
    charDurationsMs: chars.map(() => each),
  };
}

/** A server-to-client WebSocket frame (unmasked, unfragmented). */
function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head =
    len < 126
      ? Buffer.from([0x80 | opcode, len])
      : len < 65_536
        ? Buffer.from([0x80 | opcode, 126, len >> 8, len & 0xff])
        : Buffer.concat([Buffer.from([0x80 | opcode, 127]), Buffer.alloc(8)]);
  if (len >= 65_536) head.writeBigUInt64BE(BigInt(len), 2);
  return Buffer.concat([head, payload]);
}

/**
 * Client-to-server frames from `buf` (RFC 6455 §5.2; clients always mask): the complete ones and
 * the bytes left over for the next read.
 */
function parseFrames(buf: Buffer): {
  frames: Array<{ fin: boolean; opcode: number; payload: Buffer }>;
  rest: Buffer;
} {
  const frames: Array<{ fin: boolean; opcode: number; payload: Buffer }> = [];
  let at = 0;
  for (;;) {
    if (buf.length - at < 2) break;
    const b0 = buf[at]!;
    const b1 = buf[at + 1]!;
    let len = b1 & 0x7f;
    let off = at + 2;
    if (len === 126) {
      if (buf.length - off < 2) break;
      len = buf.readUInt16BE(off);
      off += 2;
    } else if (len === 127) {
      if (buf.length - off < 8) break;
      len = Number(buf.readBigUInt64BE(off));
      off += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    const maskLen = masked ? 4 : 0;
    if (buf.length - off < maskLen + len) break;
    const mask = buf.subarray(off, off + maskLen);
    const payload = Buffer.from(buf.subarray(off + maskLen, off + maskLen + len));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ mask[i % 4]!;
    frames.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload });
    at = off + maskLen + len;
  }
  return { frames, rest: buf.subarray(at) };
}

/**
 * A local stand-in for ElevenLabs text-to-speech at the wire, on 127.0.0.1, as
 * `@livekit/agents-plugin-elevenlabs` 1.9 calls it:
 *
 * - WebSocket `/v1/text-to-speech/{voice_id}/multi-stream-input?model_id=…&output_format=pcm_<rate>…`
 *   with the key in `xi-api-key`. Per `context_id`: text accumulates; `flush: true` turns the buffer
 *   into PCM (a tone whose length follows the text) sent as `{audio, alignment, normalizedAlignment,
 *   contextId}` messages; `close_context: true` answers `{contextId, isFinal: true}`, which is what
 *   ends a segment in the plugin.
 * - HTTP `POST /v1/text-to-speech/{voice_id}/stream?output_format=pcm_<rate>` (the plugin's
 *   `synthesize()`, which the fallback adapter uses to probe a failed provider): raw PCM, `audio/pcm`.
 *
 * The WebSocket side is a minimal RFC 6455 server on the HTTP server's `upgrade` event, so the fake
 * needs no dependency: text, close and ping frames, no extensions.
 */
export async function startFakeElevenLabs(
  opts: Partial<FakeElevenLabsOptions> = {},
): Promise<FakeElevenLabs> {
  const options = { ...defaultFakeElevenLabsOptions, ...opts };
  const requests: FakeElevenLabsRequest[] = [];
  const waiters = new Set<() => void>();
  const sockets = new Set<Duplex>();
  const changed = () => {
    for (const check of waiters) check();
  };

  const record = (req: IncomingMessage, kind: FakeElevenLabsRequest['kind']): FakeElevenLabsRequest => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const entry: FakeElevenLabsRequest = {
      kind,
      path: url.pathname,
      voiceId: TTS_PATH.exec(url.pathname)?.[1] ?? '',
      query: Object.fromEntries(url.searchParams),
      headers: recordedHeaders(req),
      keyMatched: req.headers['xi-api-key'] === options.apiKey,
      status: 0,
      messages: [],
      audioMessages: 0,
    };
    requests.push(entry);
    return entry;
  };

  /** Status to refuse a request with, or undefined to serve it. */
  const refusal = (entry: FakeElevenLabsRequest, endpoint: string): number | undefined => {
    const m = TTS_PATH.exec(entry.path);
    if (!m || m[2] !== endpoint) return 404;
    if (!entry.keyMatched) return 401;
    if (pcmRate(entry.query.output_format) === undefined) return 400;
    if (options.fail) return 503;
    return undefined;
  };

  const errorBody = (status: number) =>
    JSON.stringify({
      detail: {
        status: status === 401 ? 'invalid_api_key' : status === 503 ? 'service_unavailable' : 'bad_request',
        message: status === 503 ? 'the fake is failing on purpose' : `refused with ${status}`,
      },
    });

  const handleHttp = async (req: IncomingMessage, res: ServerResponse) => {
    const entry = record(req, 'http');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { text?: string };
    entry.messages.push(body);
    const refused = req.method === 'POST' ? refusal(entry, 'stream') : 405;
    entry.status = refused ?? 200;
    changed();
    if (refused) {
      res.writeHead(refused, { 'content-type': 'application/json' });
      return res.end(errorBody(refused));
    }
    entry.audioMessages = 1;
    res.writeHead(200, { 'content-type': 'audio/pcm' });
    res.end(
      tonePcm((body.text ?? '').length * options.speechSecondsPerChar, pcmRate(entry.query.output_format)),
    );
  };

  const handleUpgrade = (req: IncomingMessage, socket: Duplex) => {
    const entry = record(req, 'websocket');
    const refused = refusal(entry, 'multi-stream-input');
    const key = req.headers['sec-websocket-key'];
    if (refused || typeof key !== 'string') {
      entry.status = refused ?? 400;
      changed();
      const body = errorBody(entry.status);
      socket.end(
        `HTTP/1.1 ${entry.status} Refused\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    entry.status = 101;
    sockets.add(socket);
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${createHash('sha1')
          .update(key + WS_GUID)
          .digest('base64')}\r\n\r\n`,
    );
    changed();

    const rate = pcmRate(entry.query.output_format)!;
    /** Text received but not yet spoken, and whether the context has spoken yet, by context id. */
    const contexts = new Map<string, { text: string; spoken: boolean }>();
    const send = (msg: object) => {
      if (!socket.writable) return;
      socket.write(frame(0x1, Buffer.from(JSON.stringify(msg))));
    };
    const closeWith = (code: number, reason: string) => {
      if (entry.closeCode !== undefined) return;
      entry.closeCode = code;
      entry.closedBy = 'server';
      const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
      payload.writeUInt16BE(code, 0);
      payload.write(reason, 2);
      socket.end(frame(0x8, payload));
      changed();
    };

    const speak = (contextId: string) => {
      const ctx = contexts.get(contextId);
      if (!ctx) return;
      // The plugin opens each context with a lone " "; the real service does not voice it.
      const text = ctx.spoken ? ctx.text : ctx.text.replace(/^\s+/, '');
      ctx.text = '';
      if (text.trim() === '') return;
      ctx.spoken = true;
      const pcm = tonePcm(text.length * options.speechSecondsPerChar, rate);
      const bytesPerChunk = Math.max(2, Math.round((rate * options.audioChunkMs) / 1000) * 2);
      const chunks = Math.ceil(pcm.length / bytesPerChunk);
      const charsPerChunk = Math.ceil(text.length / chunks);
      for (let i = 0; i < chunks; i++) {
        const audio = pcm.subarray(i * bytesPerChunk, (i + 1) * bytesPerChunk);
        const part = text.slice(i * charsPerChunk, (i + 1) * charsPerChunk);
        const align = alignment(part, (audio.length / 2 / rate) * 1000);
        send({ audio: audio.toString('base64'), alignment: align, normalizedAlignment: align, contextId });
        entry.audioMessages++;
      }
    };

    const onMessage = (text: string) => {
      let msg: {
        text?: unknown;
        context_id?: unknown;
        flush?: unknown;
        close_context?: unknown;
        close_socket?: unknown;
      };
      try {
        msg = JSON.parse(text) as typeof msg;
      } catch {
        return closeWith(1007, 'messages must be JSON');
      }
      entry.messages.push(msg);
      changed();
      if (options.fail) return closeWith(1011, 'the fake is failing on purpose');
      if (msg.close_socket === true) return closeWith(1000, 'closed by the client');
      if (typeof msg.context_id !== 'string') {
        return send({ error: 'context_id is required', message: 'every message names its context_id' });
      }
      const contextId = msg.context_id;
      if (msg.close_context === true) {
        speak(contextId);
        contexts.delete(contextId);
        return send({ contextId, isFinal: true });
      }
      if (typeof msg.text === 'string') {
        const ctx = contexts.get(contextId) ?? { text: '', spoken: false };
        contexts.set(contextId, ctx);
        ctx.text += msg.text;
        if (msg.flush === true) speak(contextId);
      }
    };

    let pending: Buffer = Buffer.alloc(0);
    let message: Buffer[] = [];
    socket.on('data', (data: Buffer) => {
      const { frames, rest } = parseFrames(Buffer.concat([pending, data]));
      pending = rest;
      for (const f of frames) {
        if (f.opcode === 0x8) {
          if (entry.closeCode === undefined) {
            entry.closeCode = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
            entry.closedBy = 'client';
            socket.end(frame(0x8, f.payload.subarray(0, 2)));
            changed();
          }
        } else if (f.opcode === 0x9) {
          socket.write(frame(0xa, f.payload));
        } else if (f.opcode === 0x1 || f.opcode === 0x0) {
          message.push(f.payload);
          if (f.fin) {
            const text = Buffer.concat(message).toString('utf8');
            message = [];
            onMessage(text);
          }
        }
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      if (entry.closeCode === undefined) {
        entry.closeCode = 1006;
        changed();
      }
    });
  };

  const server: Server = createServer((req, res) => {
    handleHttp(req, res).catch((err: Error) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ detail: { status: 'fake_error', message: err.message } }));
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => handleUpgrade(req, socket));
  const listening = await listenOnFreePort(server);
  return {
    baseURL: `${listening.url}/v1`,
    requests,
    options,
    waitFor: (predicate) =>
      new Promise((resolve) => {
        const check = () => {
          if (!predicate(requests)) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
    close: () => {
      for (const socket of sockets) socket.destroy();
      return listening.close();
    },
  };
}
