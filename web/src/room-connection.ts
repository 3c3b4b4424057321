import { Room, RoomEvent, Track, createLocalAudioTrack } from 'livekit-client';
import type {
  LocalAudioTrack,
  LocalParticipant,
  Participant,
  RemoteParticipant,
  RemoteTrack,
  TextStreamReader,
  TrackPublication,
  TranscriptionSegment,
} from 'livekit-client';
import type { RoomAccess } from '../../protocol/index.ts';
import { disconnectMessage, insecureMicrophone, microphoneError, toCallState } from './room-status.ts';
import type { CallState } from './room-status.ts';
import type { Speaker, SpeakerSource, TranscriptEvent } from './transcript.ts';

/** Text-stream topic and attributes of the agent framework's transcriptions. */
const transcription = {
  topic: 'lk.transcription',
  segmentId: 'lk.segment_id',
  final: 'lk.transcription_final',
  trackId: 'lk.transcribed_track_id',
} as const;

/** What every call page hears from its room connection, as it is. */
export interface CallStatusCallbacks {
  onState(state: CallState): void;
  onMuted(muted: boolean): void;
  /** The browser refused to play audio until the person interacts with the page. */
  onAudioBlocked(blocked: boolean): void;
  /** The call ended without the person leaving (the server closed it, the link dropped): why, in words. */
  onEndedRemotely(message: string): void;
}

/** Why a remote participant is reported: it is in the room, or changed its attributes or name. */
export type ParticipantChange = 'joined' | 'attributes' | 'name';

/** The room's events, for the session that gives them meaning (one agent, or a cast and the floor). */
export interface RoomListener {
  /** The local participant is in the room; its microphone is not published yet. */
  onConnected?(local: LocalParticipant): void;
  /** Also called for everyone who was in the room before the connection finished, as `joined`. */
  onParticipant(p: RemoteParticipant, change: ParticipantChange): void;
  onParticipantLeft(p: RemoteParticipant): void;
  /** A remote audio track plays: its element is in the audio container. */
  onAudioTrack(track: RemoteTrack, p: RemoteParticipant): void;
  /** A remote track of any kind stopped; its elements are gone. */
  onTrackEnded(track: RemoteTrack, p: RemoteParticipant): void;
  onActiveSpeakers(speakers: Participant[]): void;
  /** Names a transcription's speaker from what the session knows of the room. */
  speakerOf(source: SpeakerSource): Speaker;
  onTranscript(event: TranscriptEvent): void;
  onData?(payload: Uint8Array, topic: string | undefined): void;
  /** The room was left, whichever side closed it; called once, after its audio elements are gone. */
  onLeft?(): void;
}

/** How a call gets its room through the API, and what it undoes when it does not get in. */
export interface RoomEntry {
  /** Creates a session, or gets a token for one. Runs once the microphone is on, so a refusal costs no session. */
  access(): Promise<Pick<RoomAccess, 'url' | 'token'>>;
  /**
   * Undoes `access` (ends a session it created) when the call never began: `left` when the person
   * left before the room was joined, `failed` when joining failed. Its errors are ignored.
   */
  abandon(why: 'left' | 'failed'): Promise<void>;
}

export interface RoomConnectionOptions {
  /** The button that tries again after a microphone failure, as the page labels it. @defaultValue 'Start call' */
  retryLabel: string;
}

export const defaultRoomConnectionOptions: RoomConnectionOptions = { retryLabel: 'Start call' };

/**
 * One call's LiveKit room from the browser: the audio context (unlocked by the click that joins),
 * the microphone, the connection and its state, the remote audio played through elements in
 * `audioContainer`, transcriptions and data messages, and why the room closed. One-shot: a call
 * that ended is started again with a new connection.
 */
export class RoomConnection {
  readonly #status: CallStatusCallbacks;
  readonly #listener: RoomListener;
  readonly #audioContainer: HTMLElement;
  readonly #opts: RoomConnectionOptions;
  #room: Room | null = null;
  #mic: LocalAudioTrack | null = null;
  #audioCtx: AudioContext | null = null;
  #leaving = false;
  #left = false;

  constructor(
    status: CallStatusCallbacks,
    listener: RoomListener,
    audioContainer: HTMLElement,
    options: Partial<RoomConnectionOptions> = {},
  ) {
    this.#status = status;
    this.#listener = listener;
    this.#audioContainer = audioContainer;
    this.#opts = { ...defaultRoomConnectionOptions, ...options };
  }

  /** The context remote tracks are metered in; null until `join`. */
  get audioContext(): AudioContext | null {
    return this.#audioCtx;
  }

  /** Whether a room was joined (or is being joined) and not yet left. */
  get inRoom(): boolean {
    return this.#room !== null && !this.#left;
  }

  /**
   * Opens the microphone, gets the room from `entry`, connects and publishes. Call it from the
   * click handler: the audio context and playback are unlocked while the click counts as a gesture.
   * @throws MicrophoneError, what `entry.access` throws, or an Error naming the server it could not reach.
   */
  async join(entry: RoomEntry): Promise<void> {
    this.#audioCtx = new AudioContext();
    void this.#audioCtx.resume().catch(() => undefined);
    this.#status.onState('connecting');
    // The person may leave, or the page go away, while any step below is pending.
    const cancelled = (): boolean => this.#leaving || this.#left;
    let entered = false;
    try {
      // The microphone comes first, so a refusal costs no session on the server.
      const mic = await this.#openMicrophone();
      if (cancelled()) {
        mic.stop();
        return;
      }
      this.#mic = mic;

      const access = await entry.access();
      entered = true;
      if (cancelled()) return await abandon(entry, 'left');

      const room = new Room({ adaptiveStream: false, dynacast: false });
      this.#room = room;
      this.#wire(room);
      try {
        await room.connect(access.url, access.token);
      } catch (err) {
        if (cancelled()) return;
        const detail = err instanceof Error ? err.message : String(err);
        throw new Error(`Could not connect to the call server (${access.url}): ${detail}`);
      }
      if (cancelled()) return;
      this.#listener.onConnected?.(room.localParticipant);
      await room.localParticipant.publishTrack(mic, { source: Track.Source.Microphone });
      void room.startAudio().catch(() => undefined);

      // Whoever was in the room before the connection finished raised no join events.
      for (const p of room.remoteParticipants.values()) {
        this.#listener.onParticipant(p, 'joined');
        for (const pub of p.audioTrackPublications.values())
          if (pub.track !== undefined) this.#onTrackSubscribed(pub.track, p);
      }
    } catch (err) {
      // Leaving mid-join makes the pending step fail; that is not an error to show.
      if (cancelled()) return;
      await this.#teardown();
      this.#status.onState(entered ? 'disconnected' : 'idle');
      if (entered) await abandon(entry, 'failed');
      throw err;
    }
  }

  async setMuted(muted: boolean): Promise<void> {
    if (this.#mic === null) return;
    if (muted) await this.#mic.mute();
    else await this.#mic.unmute();
    this.#status.onMuted(this.#mic.isMuted);
  }

  /** Retries audio playback after the browser blocked it; call from a click handler. */
  async startAudio(): Promise<void> {
    await this.#audioCtx?.resume();
    await this.#room?.startAudio();
  }

  /**
   * Leaves the room. `first` runs before (ending the session at the API closes the room, and that
   * close is then no surprise); what it throws is thrown once the room is left regardless.
   */
  async leave(first?: () => Promise<void>): Promise<void> {
    if (this.#leaving || this.#left) return;
    this.#leaving = true;
    let failure: unknown = null;
    try {
      await first?.();
    } catch (err) {
      failure = err;
    }
    await this.#teardown();
    this.#status.onState('disconnected');
    if (failure !== null) throw failure;
  }

  /** Leaves at once, for when the page goes away. */
  close(): void {
    void this.#teardown();
  }

  async #openMicrophone(): Promise<LocalAudioTrack> {
    if (!window.isSecureContext || navigator.mediaDevices === undefined) throw insecureMicrophone();
    try {
      return await createLocalAudioTrack({
        echoCancellation: true,
        noiseSuppression: true,
        autoGainControl: true,
      });
    } catch (err) {
      throw microphoneError(err, this.#opts.retryLabel);
    }
  }

  #wire(room: Room): void {
    const listener = this.#listener;
    room
      .on(RoomEvent.ConnectionStateChanged, (state) => {
        if (!this.#left) this.#status.onState(toCallState(state));
      })
      .on(RoomEvent.Disconnected, (reason) => {
        const unexpected = !this.#leaving && !this.#left;
        void this.#teardown();
        this.#status.onState('disconnected');
        if (unexpected) this.#status.onEndedRemotely(disconnectMessage(reason));
      })
      .on(RoomEvent.ParticipantConnected, (p) => listener.onParticipant(p, 'joined'))
      .on(RoomEvent.ParticipantDisconnected, (p) => listener.onParticipantLeft(p))
      .on(RoomEvent.ParticipantAttributesChanged, (_changed, p) => {
        if (!p.isLocal) listener.onParticipant(p as RemoteParticipant, 'attributes');
      })
      .on(RoomEvent.ParticipantNameChanged, (_name, p) => {
        if (!p.isLocal) listener.onParticipant(p as RemoteParticipant, 'name');
      })
      .on(RoomEvent.TrackSubscribed, (track, _pub, p) => this.#onTrackSubscribed(track, p))
      .on(RoomEvent.TrackUnsubscribed, (track, _pub, p) => {
        for (const el of track.detach()) el.remove();
        listener.onTrackEnded(track, p);
      })
      .on(RoomEvent.ActiveSpeakersChanged, (speakers) => listener.onActiveSpeakers(speakers))
      .on(RoomEvent.AudioPlaybackStatusChanged, () => this.#status.onAudioBlocked(!room.canPlaybackAudio))
      .on(RoomEvent.DataReceived, (payload, _p, _kind, topic) => listener.onData?.(payload, topic))
      .on(RoomEvent.TranscriptionReceived, (segments, p, pub) =>
        this.#onLegacyTranscription(segments, p, pub),
      );

    room.registerTextStreamHandler(transcription.topic, (reader, info) => {
      void this.#readTranscriptionStream(reader, info.identity);
    });
  }

  #onTrackSubscribed(track: RemoteTrack, p: RemoteParticipant): void {
    if (track.kind !== Track.Kind.Audio) return;
    if (!track.attachedElements.some((el) => el.isConnected)) {
      const el = track.attach();
      el.dataset.participant = p.identity;
      this.#audioContainer.append(el);
    }
    this.#listener.onAudioTrack(track, p);
  }

  #speakerOf(senderIdentity: string, transcribedTrackId: string | undefined): Speaker | null {
    const local = this.#room?.localParticipant;
    if (local === undefined) return null;
    return this.#listener.speakerOf({
      senderIdentity,
      transcribedTrackId,
      localIdentity: local.identity,
      localTrackSids: new Set(local.trackPublications.keys()),
    });
  }

  async #readTranscriptionStream(reader: TextStreamReader, senderIdentity: string): Promise<void> {
    const attrs = reader.info.attributes ?? {};
    const speaker = this.#speakerOf(senderIdentity, attrs[transcription.trackId]);
    if (speaker === null) return;
    const streamId = reader.info.id;
    const emit = (event: TranscriptEvent): void => this.#listener.onTranscript(event);
    emit({
      type: 'streamOpened',
      streamId,
      segmentId: attrs[transcription.segmentId] ?? streamId,
      final: attrs[transcription.final] === 'true',
      speaker,
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
    const speaker = this.#speakerOf(p?.identity ?? '', pub?.trackSid);
    if (speaker === null) return;
    this.#listener.onTranscript({
      type: 'legacySegments',
      speaker,
      segments: segments.map((s) => ({ id: s.id, text: s.text, final: s.final })),
    });
  }

  async #teardown(): Promise<void> {
    if (this.#left) return;
    this.#left = true;
    this.#mic?.stop();
    this.#mic = null;
    const room = this.#room;
    if (room !== null) {
      room.unregisterTextStreamHandler(transcription.topic);
      for (const p of room.remoteParticipants.values())
        for (const pub of p.audioTrackPublications.values()) pub.track?.detach().forEach((el) => el.remove());
      await room.disconnect().catch(() => undefined);
    }
    this.#audioContainer.replaceChildren();
    this.#listener.onLeft?.();
    await this.#audioCtx?.close().catch(() => undefined);
  }
}

async function abandon(entry: RoomEntry, why: 'left' | 'failed'): Promise<void> {
  try {
    await entry.abandon(why);
  } catch {
    // Best effort: the call is over either way.
  }
}
