import {
  AccessToken,
  AgentDispatchClient,
  DataPacket_Kind,
  RoomAgentDispatch,
  RoomConfiguration,
  RoomServiceClient,
  ServerError,
} from 'livekit-server-sdk';
import { AGENT_NAME, DispatchMetadata, isJobIdentity } from '../../protocol/index.ts';

export interface LivekitServiceOptions {
  /** LiveKit server the API calls (ws:// is turned into http:// by the SDK). @defaultValue 'ws://127.0.0.1:7880' */
  url: string;
  /** @defaultValue 'devkey' */
  apiKey: string;
  /** @defaultValue 'secret' */
  apiSecret: string;
  /** Lifetime of a caller's room token. @defaultValue 7200000 (2 h) */
  roomTokenTtlMs: number;
  /** Give up on a room-service call after this long, so an unreachable server cannot hang a request. @defaultValue 5000 */
  requestTimeoutMs: number;
}

export const defaultLivekitServiceOptions: LivekitServiceOptions = {
  url: 'ws://127.0.0.1:7880',
  apiKey: 'devkey',
  apiSecret: 'secret',
  roomTokenTtlMs: 2 * 3_600_000,
  requestTimeoutMs: 5000,
};

export interface CallerTokenRequest {
  room: string;
  identity: string;
  name: string;
  /**
   * Sent to the agent with the explicit dispatch the token's room configuration carries. Only the
   * token that starts a session has one: a guest or a returning owner joins the agent already there.
   */
  dispatch?: DispatchMetadata;
  /** With `dispatch`: the room's participant limit (everyone, agents included); 0 = the server's. */
  maxParticipants?: number;
}

/** What the API needs to know about a room to tell whether its agent is there. */
export type RoomState =
  | { exists: false }
  | {
      exists: true;
      /** When livekit-server opened the room, epoch ms. */
      createdAtMs: number;
      /** Identities of the agent jobs' own participants in the room (not the characters they drive). */
      jobs: string[];
      /** People in the room (standard participants: callers and guests; not agents, egress or viewers). */
      people: number;
    };

/** `ParticipantInfo.Kind.STANDARD` in LiveKit's protocol: a person with a client. */
const STANDARD_PARTICIPANT = 0;

/** What became of a room the API asked LiveKit to close. */
export type DeleteRoomOutcome = 'deleted' | 'not_found';

/** A room-service call failed for a reason a retry may fix (network, timeout, 5xx). */
export class LivekitUnavailableError extends Error {
  readonly retryable = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LivekitUnavailableError';
  }
}

/** Token minting (no network) and the room service (network). */
export class LivekitService {
  readonly options: LivekitServiceOptions;
  private readonly rooms: RoomServiceClient;
  private readonly dispatches: AgentDispatchClient;

  constructor(opts: Partial<LivekitServiceOptions> = {}) {
    this.options = { ...defaultLivekitServiceOptions, ...opts };
    const clientOptions = { requestTimeout: Math.max(1, Math.ceil(this.options.requestTimeoutMs / 1000)) };
    this.rooms = new RoomServiceClient(
      this.options.url,
      this.options.apiKey,
      this.options.apiSecret,
      clientOptions,
    );
    this.dispatches = new AgentDispatchClient(
      this.options.url,
      this.options.apiKey,
      this.options.apiSecret,
      clientOptions,
    );
  }

  /** Whether the room is open, since when, and who of interest is in it. */
  async roomState(room: string): Promise<RoomState> {
    try {
      const [info] = await this.rooms.listRooms([room]);
      if (!info) return { exists: false };
      const participants = await this.rooms.listParticipants(room);
      return {
        exists: true,
        createdAtMs: Number(info.creationTimeMs) || Number(info.creationTime) * 1000,
        jobs: participants.map((p) => p.identity).filter(isJobIdentity),
        people: participants.filter((p) => p.kind === STANDARD_PARTICIPANT && !isJobIdentity(p.identity))
          .length,
      };
    } catch (err) {
      if (isNotFound(err)) return { exists: false };
      throw new LivekitUnavailableError(`LiveKit room service failed: ${describe(err)}`, { cause: err });
    }
  }

  /**
   * Dispatches AGENT_NAME into a room that is open (explicit dispatch), or opens the room with the
   * dispatch in its configuration when it is not (a broadcast's room, which nobody else opens).
   */
  async redispatchAgent(room: string, dispatch: DispatchMetadata, maxParticipants = 0): Promise<void> {
    const metadata = JSON.stringify(DispatchMetadata.parse(dispatch));
    const state = await this.roomState(room);
    if (!state.exists) return this.dispatchAgent(room, dispatch, maxParticipants);
    try {
      await this.dispatches.createDispatch(room, AGENT_NAME, { metadata });
    } catch (err) {
      throw new LivekitUnavailableError(`LiveKit agent dispatch failed: ${describe(err)}`, { cause: err });
    }
  }

  /**
   * Sends `data` reliably on `topic` to the participants named `identities` (never everyone), from
   * the server itself: it arrives without a sender, which no participant can forge.
   */
  async sendData(
    room: string,
    data: Uint8Array,
    opts: { topic: string; identities: string[] },
  ): Promise<void> {
    if (opts.identities.length === 0) throw new Error('sendData needs at least one identity');
    try {
      await this.rooms.sendData(room, data, DataPacket_Kind.RELIABLE, {
        topic: opts.topic,
        destinationIdentities: opts.identities,
      });
    } catch (err) {
      throw new LivekitUnavailableError(`LiveKit room service failed: ${describe(err)}`, { cause: err });
    }
  }

  /** Takes a participant out of its room (a job whose process died stays in it for ~20 s otherwise). */
  async removeParticipant(room: string, identity: string): Promise<void> {
    try {
      await this.rooms.removeParticipant(room, identity);
    } catch (err) {
      if (isNotFound(err)) return;
      throw new LivekitUnavailableError(`LiveKit room service failed: ${describe(err)}`, { cause: err });
    }
  }

  /**
   * Creates a room whose configuration dispatches AGENT_NAME, from the server, for sessions no
   * browser starts (broadcasts): the metadata then never travels in a token. (Creating the room
   * bare and then calling AgentDispatchClient.createDispatch also works, but livekit-server then
   * adds a default dispatch for nameless workers too.) Room names are fresh per session.
   */
  async dispatchAgent(room: string, dispatch: DispatchMetadata, maxParticipants = 0): Promise<void> {
    const metadata = JSON.stringify(DispatchMetadata.parse(dispatch));
    try {
      await this.rooms.createRoom({
        name: room,
        maxParticipants,
        agents: [new RoomAgentDispatch({ agentName: AGENT_NAME, metadata })],
      });
    } catch (err) {
      throw new LivekitUnavailableError(`LiveKit agent dispatch failed: ${describe(err)}`, { cause: err });
    }
  }

  /**
   * A token that only watches: subscribes, never publishes or sends data, and is hidden from the
   * other participants (the stage page in OBS or in egress's Chrome).
   */
  async viewerToken(room: string, identity: string, ttlMs = this.options.roomTokenTtlMs): Promise<string> {
    const at = new AccessToken(this.options.apiKey, this.options.apiSecret, {
      identity,
      name: 'Stage',
      ttl: Math.max(1, Math.floor(ttlMs / 1000)),
    });
    at.addGrant({
      roomJoin: true,
      room,
      canSubscribe: true,
      canPublish: false,
      canPublishData: false,
      hidden: true,
    });
    return at.toJwt();
  }

  /**
   * A join token for one participant. With `dispatch`, its room configuration dispatches AGENT_NAME
   * with the session's metadata when the room is created, so the API never has to reach LiveKit to
   * start a call.
   */
  async callerToken(req: CallerTokenRequest): Promise<string> {
    const at = new AccessToken(this.options.apiKey, this.options.apiSecret, {
      identity: req.identity,
      name: req.name,
      ttl: Math.max(1, Math.floor(this.options.roomTokenTtlMs / 1000)),
    });
    at.addGrant({
      roomJoin: true,
      room: req.room,
      canPublish: true,
      canSubscribe: true,
      canPublishData: true,
    });
    if (req.dispatch) {
      at.roomConfig = new RoomConfiguration({
        maxParticipants: req.maxParticipants ?? 0,
        agents: [
          new RoomAgentDispatch({
            agentName: AGENT_NAME,
            metadata: JSON.stringify(DispatchMetadata.parse(req.dispatch)),
          }),
        ],
      });
    }
    return at.toJwt();
  }

  /** Closes a room, disconnecting everyone in it (the agent's job ends with it). */
  async deleteRoom(room: string): Promise<DeleteRoomOutcome> {
    try {
      await this.rooms.deleteRoom(room);
      return 'deleted';
    } catch (err) {
      if (isNotFound(err)) return 'not_found';
      throw new LivekitUnavailableError(`LiveKit room service failed: ${describe(err)}`, { cause: err });
    }
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof ServerError && (err.status === 404 || err.code === 'not_found');
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}
