import type { RemoteParticipant, RemoteTrack } from 'livekit-client';
import type { CreateSessionResponse, RoomAccess } from '../../protocol/index.ts';
import { agentAttributes } from './agent-status.ts';
import { endSession, endSessionIfOpen, endSessionOnUnload, request } from './api.ts';
import { AudioLevelMeter } from './audio-level.ts';
import { floorTopic, parseFloorMessage } from './group-state.ts';
import type { GroupEvent, GroupSpeakerContext } from './group-state.ts';
import type { GroupRequestBody } from './group-setup.ts';
import { RoomConnection } from './room-connection.ts';
import type { CallStatusCallbacks } from './room-connection.ts';
import type { Speaker } from './transcript.ts';

export interface GroupCallbacks extends CallStatusCallbacks {
  /** Everything the page's reducer needs: people, characters, speakers, levels, floor, transcript. */
  onEvent(event: GroupEvent): void;
  /** Names a transcribed segment's speaker from what the page knows of the room. */
  speakerOf(ctx: GroupSpeakerContext): Speaker;
}

/** How the page gets into the room: a new session, or a fresh token for the owner's existing one. */
export type GroupEntry = { create: GroupRequestBody } | { rejoin: string };

/**
 * One group call as its owner sees it: the session, and in its room one participant per character,
 * a level meter per remote voice, and the job's floor messages. The page renders what the
 * callbacks report; nothing here touches the page but `audioContainer`.
 */
export class GroupSession {
  readonly #cb: GroupCallbacks;
  readonly #room: RoomConnection;
  /** One meter per remote voice, by participant identity. */
  readonly #meters = new Map<string, AudioLevelMeter>();
  #sessionId: string | null = null;

  constructor(callbacks: GroupCallbacks, audioContainer: HTMLElement) {
    this.#cb = callbacks;
    const emit = (event: GroupEvent): void => this.#cb.onEvent(event);
    this.#room = new RoomConnection(
      callbacks,
      {
        onConnected: (local) =>
          emit({
            type: 'participantJoined',
            identity: local.identity,
            name: local.name ?? '',
            isLocal: true,
          }),
        onParticipant: (p) => this.#onParticipant(p),
        onParticipantLeft: (p) => {
          this.#unmeter(p.identity);
          emit({ type: 'participantLeft', identity: p.identity });
        },
        onAudioTrack: (track, p) => this.#onAudioTrack(track, p),
        onTrackEnded: (_track, p) => this.#unmeter(p.identity),
        onActiveSpeakers: (speakers) =>
          emit({ type: 'activeSpeakers', identities: speakers.map((s) => s.identity) }),
        speakerOf: (source) => this.#cb.speakerOf(source),
        onTranscript: (event) => emit({ type: 'transcript', event }),
        onData: (payload, topic) => {
          if (topic !== floorTopic) return;
          const message = parseFloorMessage(payload);
          if (message !== null) emit({ type: 'floor', message });
        },
        onLeft: () => {
          for (const identity of [...this.#meters.keys()]) this.#unmeter(identity);
          emit({ type: 'activeSpeakers', identities: [] });
        },
      },
      audioContainer,
      { retryLabel: 'Start' },
    );
  }

  get sessionId(): string | null {
    return this.#sessionId;
  }

  /**
   * Creates (or rejoins) the session, publishes the microphone and joins the room. Call it from a
   * click handler so audio playback is unlocked by the gesture.
   * @returns the session as created, or null when rejoining.
   * @throws MicrophoneError, ApiError, or an Error naming the call server it could not reach.
   */
  async start(entry: GroupEntry): Promise<CreateSessionResponse | null> {
    let created: CreateSessionResponse | null = null;
    await this.#room.join({
      access: async () => {
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
        return access;
      },
      // Leaving before the room opened ends the call, as Leave does; a failed rejoin leaves it running.
      abandon: async (why) => {
        const id = why === 'left' ? this.#sessionId : (created?.sessionId ?? null);
        if (id !== null) await endSession(id);
      },
    });
    return created;
  }

  setMuted(muted: boolean): Promise<void> {
    return this.#room.setMuted(muted);
  }

  /** Retries audio playback after the browser blocked it; call from a click handler. */
  startAudio(): Promise<void> {
    return this.#room.startAudio();
  }

  /**
   * Leaves and ends the session (the owner's call ends for everyone).
   * @throws ApiError when the API could not end the session; the room is left regardless.
   */
  async leave(): Promise<void> {
    const id = this.#sessionId;
    await this.#room.leave(id === null ? undefined : () => endSessionIfOpen(id));
  }

  /** Leaves at once, for when the page goes away; the API is told with a keepalive request. */
  dispose(): void {
    if (this.#room.inRoom && this.#sessionId !== null) endSessionOnUnload(this.#sessionId);
    this.#room.close();
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

  #onAudioTrack(track: RemoteTrack, p: RemoteParticipant): void {
    this.#onParticipant(p);
    // Every remote voice is metered: characters light their avatar, people their name.
    const ctx = this.#room.audioContext;
    if (ctx === null || this.#meters.has(p.identity)) return;
    const meter = new AudioLevelMeter(ctx, (level) =>
      this.#cb.onEvent({ type: 'level', identity: p.identity, level, at: Date.now() }),
    );
    meter.attach(track.mediaStreamTrack);
    this.#meters.set(p.identity, meter);
  }

  #unmeter(identity: string): void {
    this.#meters.get(identity)?.detach();
    this.#meters.delete(identity);
  }
}
