import { Room, RoomEvent } from 'livekit-client';
import type { RemoteParticipant } from 'livekit-client';
import { BROADCAST_CONTROL_TOPIC, ControlMessage } from '../../protocol/broadcast-control.ts';
import type { RoomAccess } from '../../protocol/index.ts';
import type { StageEvent } from './stage-state.ts';
import { participantJoinedOf, stageEventOf } from './stage-wire.ts';

export type ControlConnection = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface BroadcastRoomCallbacks {
  /** Cast, spotlight and chat, for the control page's own stage state. */
  onEvent(event: StageEvent): void;
  onConnection(state: ControlConnection): void;
}

/** Encodes a control message after checking it against its contract (a bad one throws here, not in the job). */
export function encodeControl(message: ControlMessage): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(JSON.stringify(ControlMessage.parse(message)));
}

/**
 * The owner's presence in a running broadcast's room, with no microphone: it hears nothing and
 * says nothing, it reads the job's stage messages (chat, spotlight) and sends control messages
 * on `troupe.control`, which the job obeys because they come from the owner's identity.
 */
export class BroadcastRoom {
  readonly #cb: BroadcastRoomCallbacks;
  #room: Room | null = null;
  #closed = false;

  constructor(callbacks: BroadcastRoomCallbacks) {
    this.#cb = callbacks;
  }

  get connected(): boolean {
    return this.#room !== null && !this.#closed && this.#room.state === 'connected';
  }

  async connect(access: Pick<RoomAccess, 'url' | 'token'>): Promise<void> {
    const room = new Room({ adaptiveStream: false, dynacast: false });
    this.#room = room;
    room
      .on(RoomEvent.Reconnecting, () => this.#cb.onConnection('reconnecting'))
      .on(RoomEvent.Reconnected, () => this.#cb.onConnection('connected'))
      .on(RoomEvent.Disconnected, () => this.#cb.onConnection('disconnected'))
      .on(RoomEvent.ParticipantConnected, (p) => this.#onParticipant(p))
      .on(RoomEvent.ParticipantAttributesChanged, (_c, p) => {
        if (!p.isLocal) this.#onParticipant(p as RemoteParticipant);
      })
      .on(RoomEvent.ParticipantDisconnected, (p) =>
        this.#cb.onEvent({ type: 'participantLeft', identity: p.identity }),
      )
      .on(RoomEvent.ActiveSpeakersChanged, (speakers) =>
        this.#cb.onEvent({ type: 'activeSpeakers', identities: speakers.map((s) => s.identity) }),
      )
      .on(RoomEvent.DataReceived, (payload, _p, _kind, topic) => {
        const event = stageEventOf(payload, topic);
        if (event !== null) this.#cb.onEvent(event);
      });
    this.#cb.onConnection('connecting');
    // The control page plays no audio: the owner watches the stage page or the stream for that.
    await room.connect(access.url, access.token, { autoSubscribe: false });
    if (this.#closed) return void room.disconnect();
    this.#cb.onConnection('connected');
    for (const p of room.remoteParticipants.values()) this.#onParticipant(p);
  }

  /** Sends one control message reliably to the job. @throws when not connected or the message is invalid. */
  async send(message: ControlMessage): Promise<void> {
    const room = this.#room;
    if (room === null || this.#closed) throw new Error('Not connected to the broadcast room.');
    await room.localParticipant.publishData(encodeControl(message), {
      reliable: true,
      topic: BROADCAST_CONTROL_TOPIC,
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    void this.#room?.disconnect();
  }

  #onParticipant(p: RemoteParticipant): void {
    this.#cb.onEvent(participantJoinedOf(p));
  }
}
