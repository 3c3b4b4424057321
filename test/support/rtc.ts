import {
  AudioSource,
  AudioStream,
  LocalAudioTrack,
  ParticipantKind,
  type RemoteParticipant,
  type RemoteTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
} from '@livekit/rtc-node';
import { framesOf, rms, silenceFrame } from './audio.ts';
import { FrameLog } from './frame-log.ts';

const RATE = 48_000;

/**
 * A caller made of @livekit/rtc-node: publishes a microphone that is silent unless told to speak,
 * and listens to the agent's audio, recording when each frame arrived and how loud it was.
 */
export class TestCaller {
  readonly room = new Room();
  /** The agent's audio as received. */
  readonly heard = new FrameLog();
  agent?: RemoteParticipant;
  #source = new AudioSource(RATE, 1, 100);
  #pending: ReturnType<typeof framesOf> = [];
  #spoken: Array<() => void> = [];
  #running = true;

  async join(url: string, token: string): Promise<void> {
    const subscribed = new Promise<void>((resolve) => {
      this.room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _pub, participant: RemoteParticipant) => {
        if (track.kind !== TrackKind.KIND_AUDIO || participant.kind !== ParticipantKind.AGENT) return;
        this.agent = participant;
        void this.#listen(track);
        resolve();
      });
    });
    // With the room gone the source has no back-pressure: the microphone must stop with it, or its
    // loop would spin and starve the event loop.
    this.room.once(RoomEvent.Disconnected, () => (this.#running = false));
    await this.room.connect(url, token, { autoSubscribe: true, dynacast: false });
    const track = LocalAudioTrack.createAudioTrack('microphone', this.#source);
    await this.room.localParticipant!.publishTrack(
      track,
      new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
    );
    void this.#pump();
    await subscribed;
  }

  /** Speaks `pcm` (48 kHz mono); resolves with the time its last sample left the source. */
  say(pcm: Int16Array): Promise<number> {
    this.#pending.push(...framesOf(pcm, RATE, 10));
    return new Promise((resolve) => this.#spoken.push(() => resolve(Date.now())));
  }

  /** Resolves with the agent's `lk.agent.state` once it equals `state`. */
  agentState(state: string): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.agent?.attributes['lk.agent.state'] === state) {
          this.room.off(RoomEvent.ParticipantAttributesChanged, check);
          resolve();
        }
      };
      this.room.on(RoomEvent.ParticipantAttributesChanged, check);
      check();
    });
  }

  async leave(): Promise<void> {
    this.#running = false;
    await this.room.disconnect();
  }

  async #pump(): Promise<void> {
    while (this.#running) {
      const frame = this.#pending.shift();
      await this.#source.captureFrame(frame ?? silenceFrame(RATE, 10));
      if (frame && this.#pending.length === 0) {
        await this.#source.waitForPlayout();
        this.#spoken.shift()?.();
      }
    }
  }

  async #listen(track: RemoteTrack): Promise<void> {
    const stream = new AudioStream(track, { sampleRate: RATE, numChannels: 1 });
    const reader = stream.getReader();
    for (;;) {
      const { value: frame, done } = await reader.read();
      if (done) return;
      this.heard.add({ at: Date.now(), level: rms(frame) });
    }
  }
}
