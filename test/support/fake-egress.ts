// A stand-in for LiveKit's Egress service at the wire (Twirp, JSON), placed in front of a real
// livekit-server: Egress calls are recorded and answered here (no egress service runs on this
// machine); every other call (rooms, agent dispatch) is passed through to the real server.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const EGRESS = '/twirp/livekit.Egress/';

export interface EgressCall {
  method: 'StartRoomCompositeEgress' | 'StopEgress' | string;
  /** The JSON body as sent (protobuf JSON, camelCase). */
  body: Record<string, unknown>;
  /** The Authorization header: a JWT from the API key. */
  authorization: string | undefined;
}

export interface FakeEgress {
  /** `http://127.0.0.1:<port>`: give it to the API as LIVEKIT_URL. */
  url: string;
  calls: EgressCall[];
  /** The next StartRoomCompositeEgress answers this Twirp error instead (once). */
  failNextStart(code: string, msg: string): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts the stand-in; `livekitHttpUrl` is the real server every non-egress call goes to. */
export async function startFakeEgress(livekitHttpUrl: string): Promise<FakeEgress> {
  const calls: EgressCall[] = [];
  let failure: { code: string; msg: string } | undefined;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const path = req.url ?? '/';
      if (path.startsWith(EGRESS)) {
        const method = path.slice(EGRESS.length);
        const parsed = (body.length ? JSON.parse(body.toString('utf8')) : {}) as Record<string, unknown>;
        calls.push({ method, body: parsed, authorization: req.headers.authorization });
        res.setHeader('content-type', 'application/json');
        if (method === 'StartRoomCompositeEgress' && failure) {
          res.statusCode = 503;
          res.end(JSON.stringify(failure));
          failure = undefined;
          return;
        }
        const egressId =
          method === 'StartRoomCompositeEgress'
            ? `EG_${randomBytes(6).toString('hex')}`
            : String(parsed.egressId ?? '');
        res.end(
          JSON.stringify({
            egressId,
            roomName: parsed.roomName,
            status: method === 'StopEgress' ? 'EGRESS_ENDING' : 'EGRESS_STARTING',
          }),
        );
        return;
      }
      const upstream = await fetch(new URL(path, livekitHttpUrl), {
        method: req.method,
        headers: Object.fromEntries(
          Object.entries(req.headers).filter(
            (e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'host',
          ),
        ),
        body: body.length ? new Uint8Array(body) : undefined,
      });
      res.statusCode = upstream.status;
      const type = upstream.headers.get('content-type');
      if (type) res.setHeader('content-type', type);
      res.end(Buffer.from(await upstream.arrayBuffer()));
    })().catch((err: unknown) => {
      res.statusCode = 502;
      res.end(JSON.stringify({ code: 'unavailable', msg: String(err) }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    failNextStart: (code, msg) => {
      failure = { code, msg };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
