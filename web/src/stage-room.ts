import { DisconnectReason, Room, RoomEvent, Track } from 'livekit-client';
import type { RemoteParticipant, RemoteTrack, TextStreamReader, TranscriptionSegment } from 'livekit-client';
import type { StageEvent } from './stage-state.ts';
import { participantJoinedOf, stageEventOf } from './stage-wire.ts';
import type { Speaker } from './transcript.ts';

/** Text-stream topic and attributes of the agent framework's transcriptions (as in group-session.ts). */
const transcription = {
  topic: 'lk.transcription',
  segmentId: 'lk.segment_id',
  final: 'lk.transcription_final',
} as const;

export interface StageRoomCallbacks {
  onEvent(event: StageEvent): void;
  /** Names a transcription's sender from what the page knows of the room. */
  speakerOf(senderIdentity: string): Speaker;
  onConnection(state: 'connecting' | 'connected' | 'reconnecting' | 'disconnected', detail?: string): void;
  /** The browser refused to play audio until someone interacts with the page. */
  onAudioBlocked(blocked: boolean): void;
}

/**
 * The stage's view of a broadcast room, joined with a view-only token (it cannot publish, and
 * is hidden from the others). It plays every character's audio, so an OBS browser source or
 * egress's Chrome captures sound and picture from the same page.
 */
export class StageRoom {
  readonly #cb: StageRoomCallbacks;
  readonly #audio: HTMLElement;
  #room: Room | null = null;
  #closed = false;

  constructor(callbacks: StageRoomCallbacks, audioContainer: HTMLElement) {
    this.#cb = callbacks;
    this.#audio = audioContainer;
  }

  /** @throws LiveKit's connection error when the token is refused or the server unreachable. */
  async connect(url: string, token: string): Promise<void> {
    const room = new Room({ adaptiveStream: false, dynacast: false });
    this.#room = room;
    this.#wire(room);
    this.#cb.onConnection('connecting');
    await room.connect(url, token, { autoSubscribe: true });
    if (this.#closed) return void room.disconnect();
    this.#cb.onConnection('connected');
    for (const p of room.remoteParticipants.values()) {
      this.#onParticipant(p);
      for (const pub of p.audioTrackPublications.values())
        if (pub.track !== undefined) this.#onTrack(pub.track);
    }
    void room.startAudio().catch(() => undefined);
    this.#cb.onAudioBlocked(!room.canPlaybackAudio);
  }

  /** Retries audio playback after the browser blocked it; call from a click handler. */
  async startAudio(): Promise<void> {
    await this.#room?.startAudio();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const room = this.#room;
    if (room !== null) {
      room.unregisterTextStreamHandler(transcription.topic);
      void room.disconnect();
    }
    this.#audio.replaceChildren();
  }

  #wire(room: Room): void {
    room
      .on(RoomEvent.Reconnecting, () => this.#cb.onConnection('reconnecting'))
      .on(RoomEvent.Reconnected, () => this.#cb.onConnection('connected'))
      .on(RoomEvent.Disconnected, (reason) => {
        if (this.#closed) return;
        this.#cb.onConnection(
          'disconnected',
          reason === DisconnectReason.ROOM_DELETED || reason === DisconnectReason.ROOM_CLOSED
            ? 'The broadcast has ended.'
            : 'The connection to the broadcast was lost.',
        );
      })
      .on(RoomEvent.ParticipantConnected, (p) => this.#onParticipant(p))
      .on(RoomEvent.ParticipantDisconnected, (p) =>
        this.#cb.onEvent({ type: 'participantLeft', identity: p.identity }),
      )
      .on(RoomEvent.ParticipantAttributesChanged, (_changed, p) => {
        if (!p.isLocal) this.#onParticipant(p as RemoteParticipant);
      })
      .on(RoomEvent.ParticipantNameChanged, (_name, p) => {
        if (!p.isLocal) this.#onParticipant(p as RemoteParticipant);
      })
      .on(RoomEvent.TrackSubscribed, (track) => this.#onTrack(track))
      .on(RoomEvent.TrackUnsubscribed, (track) => {
        for (const el of track.detach()) el.remove();
      })
      .on(RoomEvent.ActiveSpeakersChanged, (speakers) =>
        this.#cb.onEvent({ type: 'activeSpeakers', identities: speakers.map((s) => s.identity) }),
      )
      .on(RoomEvent.AudioPlaybackStatusChanged, () => this.#cb.onAudioBlocked(!room.canPlaybackAudio))
      .on(RoomEvent.DataReceived, (payload, _p, _kind, topic) => {
        const event = stageEventOf(payload, topic);
        if (event !== null) this.#cb.onEvent(event);
      })
      .on(RoomEvent.TranscriptionReceived, (segments, p) => this.#onLegacyTranscription(segments, p));
    room.registerTextStreamHandler(transcription.topic, (reader, info) => {
      void this.#readTranscription(reader, info.identity);
    });
  }

  #onParticipant(p: RemoteParticipant): void {
    this.#cb.onEvent(participantJoinedOf(p));
  }

  #onTrack(track: RemoteTrack): void {
    if (track.kind !== Track.Kind.Audio || track.attachedElements.some((el) => el.isConnected)) return;
    this.#audio.append(track.attach());
  }

  async #readTranscription(reader: TextStreamReader, senderIdentity: string): Promise<void> {
    const attrs = reader.info.attributes ?? {};
    const streamId = reader.info.id;
    const emit = (event: Extract<StageEvent, { type: 'transcript' }>['event']): void =>
      this.#cb.onEvent({ type: 'transcript', event });
    emit({
      type: 'streamOpened',
      streamId,
      segmentId: attrs[transcription.segmentId] ?? streamId,
      final: attrs[transcription.final] === 'true',
      speaker: this.#cb.speakerOf(senderIdentity),
    });
    try {
      for await (const chunk of reader) emit({ type: 'streamChunk', streamId, text: chunk });
    } catch {
      // The sender left mid-stream: keep what arrived.
    } finally {
      emit({ type: 'streamClosed', streamId });
    }
  }

  #onLegacyTranscription(segments: TranscriptionSegment[], p: { identity: string } | undefined): void {
    if (p === undefined) return;
    this.#cb.onEvent({
      type: 'transcript',
      event: {
        type: 'legacySegments',
        speaker: this.#cb.speakerOf(p.identity),
        segments: segments.map((s) => ({ id: s.id, text: s.text, final: s.final })),
      },
    });
  }
}
