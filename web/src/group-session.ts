import {
  ConnectionState,
  DisconnectReason,
  MediaDeviceFailure,
  Room,
  RoomEvent,
  Track,
  createLocalAudioTrack,
} from 'livekit-client';
import type {
  LocalAudioTrack,
  Participant,
  RemoteParticipant,
  RemoteTrack,
  TextStreamReader,
  TrackPublication,
  TranscriptionSegment,
} from 'livekit-client';
import type { CreateSessionResponse, RoomAccess } from '../../protocol/index.ts';
import { agentAttributes } from './agent-status.ts';
import { ApiError, endSession, endSessionOnUnload, request } from './api.ts';
import { AudioLevelMeter } from './audio-level.ts';
import type { CallState } from './call-session.ts';
import { MicrophoneError } from './call-session.ts';
import { floorTopic, parseFloorMessage } from './group-state.ts';
import type { GroupEvent, GroupSpeakerContext } from './group-state.ts';
import type { GroupRequestBody } from './group-setup.ts';
import type { Speaker, TranscriptEvent } from './transcript.ts';

/** Text-stream topic and attributes of the agent framework's transcriptions (as in call-session.ts). */
const transcription = {
  topic: 'lk.transcription',
  segmentId: 'lk.segment_id',
  final: 'lk.transcription_final',
  trackId: 'lk.transcribed_track_id',
} as const;

export interface GroupCallbacks {
  onState(state: CallState): void;
  /** Everything the page's reducer needs: people, characters, speakers, levels, floor, transcript. */
  onEvent(event: GroupEvent): void;
  /** Names a transcribed segment's speaker from what the page knows of the room. */
  speakerOf(ctx: GroupSpeakerContext): Speaker;
  onMuted(muted: boolean): void;
  /** The browser refused to play audio until the person interacts with the page. */
  onAudioBlocked(blocked: boolean): void;
  /** The call ended without Leave: the server closed it or the link dropped. */
  onEndedRemotely(message: string): void;
}

/** How the page gets into the room: a new session, or a fresh token for the owner's existing one. */
export type GroupEntry = { create: GroupRequestBody } | { rejoin: string };

function toCallState(state: ConnectionState): CallState {
  switch (state) {
    case ConnectionState.Connected:
      return 'connected';
    case ConnectionState.Connecting:
      return 'connecting';
    case ConnectionState.Reconnecting:
    case ConnectionState.SignalReconnecting:
      return 'reconnecting';
    case ConnectionState.Disconnected:
      return 'disconnected';
  }
}

function endedMessage(reason: DisconnectReason | undefined): string {
  switch (reason) {
    case DisconnectReason.ROOM_DELETED:
    case DisconnectReason.ROOM_CLOSED:
      return 'The call was ended by the server.';
    case DisconnectReason.PARTICIPANT_REMOVED:
      return 'You were removed from the call.';
    case DisconnectReason.DUPLICATE_IDENTITY:
      return 'The call was opened somewhere else.';
    default:
      return 'The connection was lost and the call ended.';
  }
}

function microphoneError(err: unknown): MicrophoneError {
  const failure = MediaDeviceFailure.getFailure(err) ?? MediaDeviceFailure.Other;
  const message =
    failure === MediaDeviceFailure.PermissionDenied
      ? 'Microphone access was denied. Allow the microphone for this site and press Start again.'
      : failure === MediaDeviceFailure.NotFound
        ? 'No microphone was found. Connect one and press Start again.'
        : `The microphone could not be started${err instanceof Error ? `: ${err.message}` : '.'}`;
  return new MicrophoneError(failure, message);
}

/**
 * One group call as its owner sees it: the microphone, the session, the room with one participant
 * per character, a level meter per character's track, and the job's floor messages. The page
 * renders what the callbacks report; nothing here touches the page but `audioContainer`.
 */
export class GroupSession {
  readonly #cb: GroupCallbacks;
  readonly #audioContainer: HTMLElement;
  #room: Room | null = null;
  #mic: LocalAudioTrack | null = null;
  #audioCtx: AudioContext | null = null;
  /** One meter per character's track, by participant identity. */
  readonly #meters = new Map<string, AudioLevelMeter>();
  #sessionId: string | null = null;
  #ending = false;
  #ended = false;

  constructor(callbacks: GroupCallbacks, audioContainer: HTMLElement) {
    this.#cb = callbacks;
    this.#audioContainer = audioContainer;
  }

  get sessionId(): string | null {
    return this.#sessionId;
  }

  /**
   * Creates (or rejoins) the session, publishes the microphone and joins the room. Call it from a
   * click handler so audio playback is unlocked by the gesture.
   * @returns the session as created, or null when rejoining.
   * @throws MicrophoneError, ApiError, or LiveKit's connection errors.
   */
  async start(entry: GroupEntry): Promise<CreateSessionResponse | null> {
    this.#audioCtx = new AudioContext();
    void this.#audioCtx.resume().catch(() => undefined);
    this.#cb.onState('connecting');
    const cancelled = (): boolean => this.#ending || this.#ended;
    let created: CreateSessionResponse | null = null;
    try {
      if (!window.isSecureContext || navigator.mediaDevices === undefined)
        throw new MicrophoneError(
          'insecure',
          'The microphone needs a secure page: open Troupe over https or on localhost.',
        );
      let mic: LocalAudioTrack;
      try {
        mic = await createLocalAudioTrack({
          echoCancellation: true,
          noiseSuppression: true,
          autoGainControl: true,
        });
      } catch (err) {
        throw microphoneError(err);
      }
      if (cancelled()) {
        mic.stop();
        return null;
      }
      this.#mic = mic;

      let access: RoomAccess;
      if ('create' in entry) {
        created = await request<CreateSessionResponse>('POST', '/api/sessions', entry.create);
        access = created;
      } else {
        access = await request<RoomAccess>(
          'POST',
          `/api/sessions/${encodeURIComponent(entry.rejoin)}/token`,
          {},
        );
      }
      this.#sessionId = access.sessionId;
      if (cancelled()) {
        await endSession(access.sessionId).catch(() => undefined);
        return created;
      }

      const room = new Room({ adaptiveStream: false, dynacast: false });
      this.#room = room;
      this.#wire(room);
      try {
        await room.connect(access.url, access.token);
      } catch (err) {
        if (cancelled()) return created;
        const detail = err instanceof Error ? err.message : String(err);
        throw new Error(`Could not connect to the call server (${access.url}): ${detail}`);
      }
      if (cancelled()) return created;
      const local = room.localParticipant;
      this.#cb.onEvent({
        type: 'participantJoined',
        identity: local.identity,
        name: local.name ?? '',
        isLocal: true,
      });
      await local.publishTrack(mic, { source: Track.Source.Microphone });
      void room.startAudio().catch(() => undefined);
      // Whoever was in the room before the connection finished raised no join events.
      for (const p of room.remoteParticipants.values()) {
        this.#onParticipant(p);
        for (const pub of p.audioTrackPublications.values())
          if (pub.track !== undefined) this.#onTrack(pub.track, p);
      }
      return created;
    } catch (err) {
      if (cancelled()) return created;
      await this.#teardown();
      this.#cb.onState(this.#sessionId === null ? 'idle' : 'disconnected');
      if (created !== null) await endSession(created.sessionId).catch(() => undefined);
      throw err;
    }
  }

  async setMuted(muted: boolean): Promise<void> {
    if (this.#mic === null) return;
    if (muted) await this.#mic.mute();
    else await this.#mic.unmute();
    this.#cb.onMuted(this.#mic.isMuted);
  }

  /** Retries audio playback after the browser blocked it; call from a click handler. */
  async startAudio(): Promise<void> {
    await this.#audioCtx?.resume();
    await this.#room?.startAudio();
  }

  /**
   * Leaves and ends the session (the owner's call ends for everyone).
   * @throws ApiError when the API could not end the session; the room is left regardless.
   */
  async leave(): Promise<void> {
    if (this.#ended || this.#ending) return;
    this.#ending = true;
    let failure: unknown = null;
    if (this.#sessionId !== null) {
      try {
        await endSession(this.#sessionId);
      } catch (err) {
        if (!(err instanceof ApiError && (err.code === 'not_found' || err.code === 'conflict')))
          failure = err;
      }
    }
    await this.#teardown();
    this.#cb.onState('disconnected');
    if (failure !== null) throw failure;
  }

  /** Leaves at once, for when the page goes away; the API is told with a keepalive request. */
  dispose(): void {
    if (!this.#ended && this.#sessionId !== null && this.#room !== null) endSessionOnUnload(this.#sessionId);
    void this.#teardown();
  }

  #wire(room: Room): void {
    room
      .on(RoomEvent.ConnectionStateChanged, (state) => {
        if (!this.#ended) this.#cb.onState(toCallState(state));
      })
      .on(RoomEvent.Disconnected, (reason) => {
        const unexpected = !this.#ending && !this.#ended;
        void this.#teardown();
        this.#cb.onState('disconnected');
        if (unexpected) this.#cb.onEndedRemotely(endedMessage(reason));
      })
      .on(RoomEvent.ParticipantConnected, (p) => this.#onParticipant(p))
      .on(RoomEvent.ParticipantDisconnected, (p) => {
        this.#unmeter(p.identity);
        this.#cb.onEvent({ type: 'participantLeft', identity: p.identity });
      })
      .on(RoomEvent.ParticipantAttributesChanged, (_changed, p) => {
        if (!p.isLocal) this.#onParticipant(p as RemoteParticipant);
      })
      .on(RoomEvent.ParticipantNameChanged, (_name, p) => {
        if (!p.isLocal) this.#onParticipant(p as RemoteParticipant);
      })
      .on(RoomEvent.TrackSubscribed, (track, _pub, p) => this.#onTrack(track, p))
      .on(RoomEvent.TrackUnsubscribed, (track, _pub, p) => {
        for (const el of track.detach()) el.remove();
        this.#unmeter(p.identity);
      })
      .on(RoomEvent.ActiveSpeakersChanged, (speakers) =>
        this.#cb.onEvent({ type: 'activeSpeakers', identities: speakers.map((s) => s.identity) }),
      )
      .on(RoomEvent.AudioPlaybackStatusChanged, () => this.#cb.onAudioBlocked(!room.canPlaybackAudio))
      .on(RoomEvent.DataReceived, (payload, _p, _kind, topic) => {
        if (topic !== floorTopic) return;
        const message = parseFloorMessage(payload);
        if (message !== null) this.#cb.onEvent({ type: 'floor', message });
      })
      .on(RoomEvent.TranscriptionReceived, (segments, p, pub) =>
        this.#onLegacyTranscription(segments, p, pub),
      );
    room.registerTextStreamHandler(transcription.topic, (reader, info) => {
      void this.#readTranscriptionStream(reader, info.identity);
    });
  }

  /** Reports a participant: a character (by its attribute), or a person; the job itself is neither. */
  #onParticipant(p: RemoteParticipant): void {
    const characterId = p.attributes[agentAttributes.characterId];
    if (p.isAgent && characterId === undefined) return;
    this.#cb.onEvent({
      type: 'participantJoined',
      identity: p.identity,
      name: p.name ?? '',
      ...(characterId === undefined ? {} : { characterId }),
      isLocal: false,
    });
  }

  #onTrack(track: RemoteTrack, p: RemoteParticipant): void {
    if (track.kind !== Track.Kind.Audio) return;
    if (!track.attachedElements.some((el) => el.isConnected)) {
      const el = track.attach();
      el.dataset.participant = p.identity;
      this.#audioContainer.append(el);
    }
    this.#onParticipant(p);
    // Every remote voice is metered: characters light their avatar, people their name.
    if (this.#audioCtx === null || this.#meters.has(p.identity)) return;
    const meter = new AudioLevelMeter(this.#audioCtx, (level) =>
      this.#cb.onEvent({ type: 'level', identity: p.identity, level, at: Date.now() }),
    );
    meter.attach(track.mediaStreamTrack);
    this.#meters.set(p.identity, meter);
  }

  #unmeter(identity: string): void {
    this.#meters.get(identity)?.detach();
    this.#meters.delete(identity);
  }

  #speakerContext(
    senderIdentity: string,
    transcribedTrackId: string | undefined,
  ): GroupSpeakerContext | null {
    const room = this.#room;
    if (room === null) return null;
    return {
      senderIdentity,
      transcribedTrackId,
      localIdentity: room.localParticipant.identity,
      localTrackSids: new Set(room.localParticipant.trackPublications.keys()),
    };
  }

  async #readTranscriptionStream(reader: TextStreamReader, senderIdentity: string): Promise<void> {
    const attrs = reader.info.attributes ?? {};
    const ctx = this.#speakerContext(senderIdentity, attrs[transcription.trackId]);
    if (ctx === null) return;
    const streamId = reader.info.id;
    const emit = (event: TranscriptEvent): void => this.#cb.onEvent({ type: 'transcript', event });
    emit({
      type: 'streamOpened',
      streamId,
      segmentId: attrs[transcription.segmentId] ?? streamId,
      final: attrs[transcription.final] === 'true',
      speaker: this.#cb.speakerOf(ctx),
    });
    try {
      for await (const chunk of reader) emit({ type: 'streamChunk', streamId, text: chunk });
    } catch {
      // The sender left mid-stream: keep what arrived.
    } finally {
      emit({ type: 'streamClosed', streamId });
    }
  }

  #onLegacyTranscription(
    segments: TranscriptionSegment[],
    p: Participant | undefined,
    pub: TrackPublication | undefined,
  ): void {
    const ctx = this.#speakerContext(p?.identity ?? '', pub?.trackSid);
    if (ctx === null) return;
    this.#cb.onEvent({
      type: 'transcript',
      event: {
        type: 'legacySegments',
        speaker: this.#cb.speakerOf(ctx),
        segments: segments.map((s) => ({ id: s.id, text: s.text, final: s.final })),
      },
    });
  }

  async #teardown(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    for (const identity of [...this.#meters.keys()]) this.#unmeter(identity);
    this.#mic?.stop();
    this.#mic = null;
    const room = this.#room;
    if (room !== null) {
      room.unregisterTextStreamHandler(transcription.topic);
      await room.disconnect().catch(() => undefined);
    }
    this.#audioContainer.replaceChildren();
    this.#cb.onEvent({ type: 'activeSpeakers', identities: [] });
    await this.#audioCtx?.close().catch(() => undefined);
  }
}
