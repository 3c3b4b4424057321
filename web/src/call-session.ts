import { Track } from 'livekit-client';
import type { Participant, RemoteParticipant, RemoteTrack } from 'livekit-client';
import type { Character, RoomAccess } from '../../protocol/index.ts';
import { agentAttributes, readAgentStatus } from './agent-status.ts';
import type { AgentStatus } from './agent-status.ts';
import { createSession, endSession, endSessionIfOpen, endSessionOnUnload } from './api.ts';
import { AudioLevelMeter } from './audio-level.ts';
import { RoomConnection } from './room-connection.ts';
import type { CallStatusCallbacks, ParticipantChange } from './room-connection.ts';
import { resolveSpeaker } from './transcript.ts';
import type { TranscriptEvent } from './transcript.ts';

export interface CallCallbacks extends CallStatusCallbacks {
  onTranscript(event: TranscriptEvent): void;
  /** The character's agent joined (its identity) or left (null). */
  onAgent(identity: string | null): void;
  onAgentStatus(status: AgentStatus): void;
  onSpeaking(speaking: { agent: boolean; local: boolean }): void;
  /** Current and highest RMS level of the character's audio. */
  onLevel(level: number, maxLevel: number): void;
}

function isCharacterAgent(p: Participant): boolean {
  return p.isAgent || p.attributes[agentAttributes.characterId] !== undefined;
}

/**
 * One call with one character: the session the API creates, and in its room the character's agent,
 * whose voice is metered. The page renders what the callbacks report; nothing here touches the page
 * except the audio elements placed in `audioContainer`.
 */
export class CallSession {
  readonly #character: Character;
  readonly #cb: CallCallbacks;
  readonly #room: RoomConnection;
  #meter: AudioLevelMeter | null = null;
  #meteredTrackSid: string | null = null;
  #sessionId: string | null = null;
  #agentIdentity: string | null = null;
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
    this.#access = access;
    this.#room = new RoomConnection(
      callbacks,
      {
        onParticipant: (p, change) => this.#onParticipant(p, change),
        onParticipantLeft: (p) => {
          if (p.identity !== this.#agentIdentity) return;
          this.#agentIdentity = null;
          this.#cb.onAgent(null);
          this.#cb.onSpeaking({ agent: false, local: false });
        },
        onAudioTrack: (track, p) => {
          if (this.#agentIdentity === null) this.#onParticipant(p, 'joined');
          if (p.identity === this.#agentIdentity) this.#meterTrack(track);
        },
        onTrackEnded: (track) => {
          if (track.sid === undefined || track.sid !== this.#meteredTrackSid) return;
          this.#meteredTrackSid = null;
          this.#meter?.detach();
        },
        onActiveSpeakers: (speakers) =>
          this.#cb.onSpeaking({
            agent: speakers.some((s) => s.identity === this.#agentIdentity),
            local: speakers.some((s) => s.isLocal),
          }),
        speakerOf: (source) => resolveSpeaker({ ...source, characterName: this.#character.name }),
        onTranscript: (event) => this.#cb.onTranscript(event),
        onLeft: () => {
          this.#meter?.detach();
          this.#meteredTrackSid = null;
          this.#agentIdentity = null;
          this.#cb.onSpeaking({ agent: false, local: false });
        },
      },
      audioContainer,
    );
  }

  get sessionId(): string | null {
    return this.#sessionId;
  }

  /**
   * Starts the call. Call it from the click handler: the audio context and playback are unlocked
   * while the click still counts as a user gesture.
   * @throws MicrophoneError, ApiError, or an Error naming the call server it could not reach.
   */
  async start(displayName?: string): Promise<void> {
    await this.#room.join({
      access: async () => {
        const session =
          this.#access ??
          (await createSession({
            mode: 'call',
            characterId: this.#character.id,
            ...(displayName ? { displayName } : {}),
          }));
        this.#sessionId = session.sessionId;
        return session;
      },
      // A session made for this call ends with it; a guest's belongs to its owner.
      abandon: async () => {
        if (this.#sessionId !== null && this.#access === undefined) await endSession(this.#sessionId);
      },
    });
  }

  setMuted(muted: boolean): Promise<void> {
    return this.#room.setMuted(muted);
  }

  /** Retries audio playback after the browser blocked it; call from a click handler. */
  startAudio(): Promise<void> {
    return this.#room.startAudio();
  }

  /**
   * Ends the call: tells the API first so the session records its end, then leaves the room.
   * @throws ApiError when the API could not end the session; the room is left regardless.
   */
  async end(): Promise<void> {
    const id = this.#access === undefined ? this.#sessionId : null;
    await this.#room.leave(id === null ? undefined : () => endSessionIfOpen(id));
  }

  /** Leaves at once, for when the page goes away; the API is told with a keepalive request. */
  dispose(): void {
    if (this.#room.inRoom && this.#sessionId !== null && this.#access === undefined)
      endSessionOnUnload(this.#sessionId);
    this.#room.close();
  }

  #onParticipant(p: RemoteParticipant, change: ParticipantChange): void {
    if (change === 'name') return;
    if (this.#agentIdentity !== null) {
      if (change === 'attributes' && p.identity === this.#agentIdentity)
        this.#cb.onAgentStatus(readAgentStatus(p.attributes));
      return;
    }
    if (!isCharacterAgent(p)) return;
    this.#agentIdentity = p.identity;
    this.#cb.onAgent(p.identity);
    this.#cb.onAgentStatus(readAgentStatus(p.attributes));
    for (const pub of p.audioTrackPublications.values()) {
      if (pub.track !== undefined) this.#meterTrack(pub.track);
    }
  }

  #meterTrack(track: RemoteTrack): void {
    if (track.kind !== Track.Kind.Audio || track.sid === this.#meteredTrackSid) return;
    const ctx = this.#room.audioContext;
    if (ctx === null) return;
    this.#meter ??= new AudioLevelMeter(ctx, (level, max) => this.#cb.onLevel(level, max));
    this.#meteredTrackSid = track.sid ?? null;
    this.#meter.attach(track.mediaStreamTrack);
  }
}
