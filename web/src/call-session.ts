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
import type { Character, RoomAccess } from '../../protocol/index.ts';
import { agentAttributes, readAgentStatus } from './agent-status.ts';
import type { AgentStatus } from './agent-status.ts';
import { ApiError, createSession, endSession, endSessionOnUnload } from './api.ts';
import { AudioLevelMeter } from './audio-level.ts';
import { resolveSpeaker } from './transcript.ts';
import type { TranscriptEvent } from './transcript.ts';

/** The states the call page shows; LiveKit's two reconnecting states are one here. */
export type CallState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/** Text-stream topic and attributes of the agent framework's transcriptions. */
const transcription = {
  topic: 'lk.transcription',
  segmentId: 'lk.segment_id',
  final: 'lk.transcription_final',
  trackId: 'lk.transcribed_track_id',
} as const;

export interface CallCallbacks {
  onState(state: CallState): void;
  onTranscript(event: TranscriptEvent): void;
  /** The character's agent joined (its identity) or left (null). */
  onAgent(identity: string | null): void;
  onAgentStatus(status: AgentStatus): void;
  onSpeaking(speaking: { agent: boolean; local: boolean }): void;
  /** Current and highest RMS level of the character's audio. */
  onLevel(level: number, maxLevel: number): void;
  /** The browser refused to play audio until the user interacts with the page. */
  onAudioBlocked(blocked: boolean): void;
  onMuted(muted: boolean): void;
  /** The call ended without the caller pressing End: the server closed it or the link dropped. */
  onEndedRemotely(message: string): void;
}

/** A problem with the microphone, worded for the caller. */
export class MicrophoneError extends Error {
  constructor(
    readonly failure: MediaDeviceFailure | 'insecure',
    message: string,
  ) {
    super(message);
    this.name = 'MicrophoneError';
  }
}

function microphoneError(err: unknown): MicrophoneError {
  switch (MediaDeviceFailure.getFailure(err)) {
    case MediaDeviceFailure.PermissionDenied:
      return new MicrophoneError(
        MediaDeviceFailure.PermissionDenied,
        'Microphone access was denied. Allow the microphone for this site (the icon in the address bar) and press Start call again.',
      );
    case MediaDeviceFailure.NotFound:
      return new MicrophoneError(
        MediaDeviceFailure.NotFound,
        'No microphone was found. Connect one and press Start call again.',
      );
    case MediaDeviceFailure.DeviceInUse:
      return new MicrophoneError(
        MediaDeviceFailure.DeviceInUse,
        'Your microphone is being used by another application. Close it and press Start call again.',
      );
    default:
      return new MicrophoneError(
        MediaDeviceFailure.Other,
        `The microphone could not be started${err instanceof Error ? `: ${err.message}` : '.'}`,
      );
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
    case DisconnectReason.SERVER_SHUTDOWN:
      return 'The server shut down and the call ended.';
    default:
      return 'The connection was lost and the call ended.';
  }
}

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

function isCharacterAgent(p: Participant): boolean {
  return p.isAgent || p.attributes[agentAttributes.characterId] !== undefined;
}

/**
 * One call with one character: the microphone, the session the API creates, and the LiveKit room.
 * The page renders what the callbacks report; nothing here touches the page except the audio
 * elements placed in `audioContainer`.
 */
export class CallSession {
  readonly #character: Character;
  readonly #cb: CallCallbacks;
  readonly #audioContainer: HTMLElement;
  #room: Room | null = null;
  #mic: LocalAudioTrack | null = null;
  #audioCtx: AudioContext | null = null;
  #meter: AudioLevelMeter | null = null;
  #meteredTrackSid: string | null = null;
  #sessionId: string | null = null;
  #agentIdentity: string | null = null;
  #ending = false;
  #ended = false;
  /** A guest's ready-made room access: no session is created, and leaving does not end it. */
  readonly #access: RoomAccess | undefined;

  constructor(
    character: Character,
    callbacks: CallCallbacks,
    audioContainer: HTMLElement,
    access?: RoomAccess,
  ) {
    this.#character = character;
    this.#cb = callbacks;
    this.#audioContainer = audioContainer;
    this.#access = access;
  }

  get sessionId(): string | null {
    return this.#sessionId;
  }

  /**
   * Starts the call. Call it from the click handler: the audio context and playback are unlocked
   * while the click still counts as a user gesture.
   * @throws MicrophoneError, ApiError, or LiveKit's connection errors.
   */
  async start(displayName?: string): Promise<void> {
    this.#audioCtx = new AudioContext();
    void this.#audioCtx.resume().catch(() => undefined);
    this.#meter = new AudioLevelMeter(this.#audioCtx, (level, max) => this.#cb.onLevel(level, max));
    this.#cb.onState('connecting');
    // The caller may press End, or leave the page, while any step below is pending.
    const cancelled = (): boolean => this.#ending || this.#ended;

    try {
      // The microphone comes first, so a refusal costs no session on the server.
      if (!window.isSecureContext || navigator.mediaDevices === undefined) {
        throw new MicrophoneError(
          'insecure',
          'The microphone is only available on a secure page: open Troupe over https or on localhost.',
        );
      }
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
        return;
      }
      this.#mic = mic;

      const session =
        this.#access ??
        (await createSession({
          mode: 'call',
          characterId: this.#character.id,
          ...(displayName ? { displayName } : {}),
        }));
      this.#sessionId = session.sessionId;
      if (cancelled()) {
        if (this.#access === undefined) await endSession(session.sessionId).catch(() => undefined);
        return;
      }

      const room = new Room({ adaptiveStream: false, dynacast: false });
      this.#room = room;
      this.#wire(room);
      try {
        await room.connect(session.url, session.token);
      } catch (err) {
        if (cancelled()) return;
        const detail = err instanceof Error ? err.message : String(err);
        throw new Error(`Could not connect to the call server (${session.url}): ${detail}`);
      }
      if (cancelled()) return;
      await room.localParticipant.publishTrack(mic, { source: Track.Source.Microphone });
      void room.startAudio().catch(() => undefined);

      // Whoever was in the room before the connection finished did not raise the join events.
      for (const p of room.remoteParticipants.values()) {
        this.#onParticipant(p);
        for (const pub of p.audioTrackPublications.values()) {
          if (pub.track !== undefined) this.#onTrackSubscribed(pub.track, p);
        }
      }
    } catch (err) {
      // Leaving mid-start makes the pending step fail; that is not an error to show.
      if (cancelled()) return;
      await this.#teardown();
      this.#cb.onState(this.#sessionId === null ? 'idle' : 'disconnected');
      if (this.#sessionId !== null && this.#access === undefined)
        await endSession(this.#sessionId).catch(() => undefined);
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
   * Ends the call: tells the API first so the session records its end, then leaves the room.
   * @throws ApiError when the API could not end the session; the room is left regardless.
   */
  async end(): Promise<void> {
    if (this.#ended || this.#ending) return;
    this.#ending = true;
    let failure: unknown = null;
    if (this.#sessionId !== null && this.#access === undefined) {
      try {
        await endSession(this.#sessionId);
      } catch (err) {
        // A session the API already closed (say, after a webhook) is not a failure to the caller.
        if (!(err instanceof ApiError && (err.code === 'not_found' || err.code === 'conflict')))
          failure = err;
      }
    }
    await this.#teardown();
    this.#cb.onState('disconnected');
    if (failure !== null) throw failure;
  }

  /** Leaves at once, for when the page goes away; the API is told with a beacon. */
  dispose(): void {
    if (!this.#ended && this.#sessionId !== null && this.#room !== null && this.#access === undefined) {
      endSessionOnUnload(this.#sessionId);
    }
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
        if (p.identity !== this.#agentIdentity) return;
        this.#agentIdentity = null;
        this.#cb.onAgent(null);
        this.#cb.onSpeaking({ agent: false, local: false });
      })
      .on(RoomEvent.ParticipantAttributesChanged, (_changed, p) => {
        if (p.isLocal) return;
        if (this.#agentIdentity === null) this.#onParticipant(p as RemoteParticipant);
        else if (p.identity === this.#agentIdentity) this.#cb.onAgentStatus(readAgentStatus(p.attributes));
      })
      .on(RoomEvent.TrackSubscribed, (track, _pub, p) => this.#onTrackSubscribed(track, p))
      .on(RoomEvent.TrackUnsubscribed, (track) => this.#onTrackUnsubscribed(track))
      .on(RoomEvent.ActiveSpeakersChanged, (speakers) => {
        this.#cb.onSpeaking({
          agent: speakers.some((s) => s.identity === this.#agentIdentity),
          local: speakers.some((s) => s.isLocal),
        });
      })
      .on(RoomEvent.AudioPlaybackStatusChanged, () => this.#cb.onAudioBlocked(!room.canPlaybackAudio))
      .on(RoomEvent.TranscriptionReceived, (segments, p, pub) =>
        this.#onLegacyTranscription(segments, p, pub),
      );

    room.registerTextStreamHandler(transcription.topic, (reader, info) => {
      void this.#readTranscriptionStream(reader, info.identity);
    });
  }

  #onParticipant(p: RemoteParticipant): void {
    if (this.#agentIdentity !== null || !isCharacterAgent(p)) return;
    this.#agentIdentity = p.identity;
    this.#cb.onAgent(p.identity);
    this.#cb.onAgentStatus(readAgentStatus(p.attributes));
    for (const pub of p.audioTrackPublications.values()) {
      if (pub.track !== undefined) this.#meterTrack(pub.track);
    }
  }

  #onTrackSubscribed(track: RemoteTrack, p: RemoteParticipant): void {
    if (track.kind !== Track.Kind.Audio) return;
    if (!track.attachedElements.some((el) => el.isConnected)) {
      const el = track.attach();
      el.dataset.participant = p.identity;
      this.#audioContainer.append(el);
    }
    if (this.#agentIdentity === null) this.#onParticipant(p);
    if (p.identity === this.#agentIdentity) this.#meterTrack(track);
  }

  #meterTrack(track: RemoteTrack): void {
    if (track.kind !== Track.Kind.Audio || track.sid === this.#meteredTrackSid) return;
    this.#meteredTrackSid = track.sid ?? null;
    this.#meter?.attach(track.mediaStreamTrack);
  }

  #onTrackUnsubscribed(track: RemoteTrack): void {
    for (const el of track.detach()) el.remove();
    if (track.sid !== undefined && track.sid === this.#meteredTrackSid) {
      this.#meteredTrackSid = null;
      this.#meter?.detach();
    }
  }

  #localTrackSids(): Set<string> {
    return new Set(this.#room?.localParticipant.trackPublications.keys() ?? []);
  }

  async #readTranscriptionStream(reader: TextStreamReader, senderIdentity: string): Promise<void> {
    const room = this.#room;
    if (room === null) return;
    const attrs = reader.info.attributes ?? {};
    const streamId = reader.info.id;
    const speaker = resolveSpeaker({
      senderIdentity,
      transcribedTrackId: attrs[transcription.trackId],
      localIdentity: room.localParticipant.identity,
      localTrackSids: this.#localTrackSids(),
      characterName: this.#character.name,
    });
    this.#cb.onTranscript({
      type: 'streamOpened',
      streamId,
      segmentId: attrs[transcription.segmentId] ?? streamId,
      final: attrs[transcription.final] === 'true',
      speaker,
    });
    try {
      for await (const chunk of reader) this.#cb.onTranscript({ type: 'streamChunk', streamId, text: chunk });
    } catch {
      // The sender left mid-stream: keep what arrived.
    } finally {
      this.#cb.onTranscript({ type: 'streamClosed', streamId });
    }
  }

  #onLegacyTranscription(
    segments: TranscriptionSegment[],
    p: Participant | undefined,
    pub: TrackPublication | undefined,
  ): void {
    const room = this.#room;
    if (room === null) return;
    const speaker = resolveSpeaker({
      senderIdentity: p?.identity ?? '',
      transcribedTrackId: pub?.trackSid,
      localIdentity: room.localParticipant.identity,
      localTrackSids: this.#localTrackSids(),
      characterName: this.#character.name,
    });
    this.#cb.onTranscript({
      type: 'legacySegments',
      speaker,
      segments: segments.map((s) => ({ id: s.id, text: s.text, final: s.final })),
    });
  }

  async #teardown(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.#meter?.detach();
    this.#meteredTrackSid = null;
    this.#mic?.stop();
    this.#mic = null;
    const room = this.#room;
    if (room !== null) {
      room.unregisterTextStreamHandler(transcription.topic);
      for (const p of room.remoteParticipants.values()) {
        for (const pub of p.audioTrackPublications.values()) pub.track?.detach().forEach((el) => el.remove());
      }
      await room.disconnect().catch(() => undefined);
    }
    this.#audioContainer.replaceChildren();
    this.#agentIdentity = null;
    this.#cb.onSpeaking({ agent: false, local: false });
    await this.#audioCtx?.close().catch(() => undefined);
  }
}
