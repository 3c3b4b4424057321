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
 * A microphone for test participants: publishes silence unless told to speak, so the far side's
 * VAD sees a live track, and says when each utterance has left it.
 */
export class TestMicrophone {
  readonly source = new AudioSource(RATE, 1, 100);
  #pending: ReturnType<typeof framesOf> = [];
  #spoken: Array<() => void> = [];
  #running = true;

  /** Publishes the microphone on `room` and starts feeding it. */
  async publish(room: Room): Promise<void> {
    // With the room gone the source has no back-pressure: the microphone must stop with it, or its
    // loop would spin and starve the event loop.
    room.once(RoomEvent.Disconnected, () => this.stop());
    const track = LocalAudioTrack.createAudioTrack('microphone', this.source);
    await room.localParticipant!.publishTrack(
      track,
      new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
    );
    void this.#pump();
  }

  /** Speaks `pcm` (48 kHz mono); resolves with the time its last sample left the source. */
  say(pcm: Int16Array): Promise<number> {
    this.#pending.push(...framesOf(pcm, RATE, 10));
    return new Promise((resolve) => this.#spoken.push(() => resolve(Date.now())));
  }

  stop(): void {
    this.#running = false;
  }

  async #pump(): Promise<void> {
    while (this.#running) {
      const frame = this.#pending.shift();
      await this.source.captureFrame(frame ?? silenceFrame(RATE, 10));
      if (frame && this.#pending.length === 0) {
        await this.source.waitForPlayout();
        this.#spoken.shift()?.();
      }
    }
  }
}

/** Records every frame of an audio track into `log`: when it arrived and how loud it was. */
export async function recordTrack(track: RemoteTrack, log: FrameLog): Promise<void> {
  const reader = new AudioStream(track, { sampleRate: RATE, numChannels: 1 }).getReader();
  for (;;) {
    const { value: frame, done } = await reader.read();
    if (done) return;
    log.add({ at: Date.now(), level: rms(frame) });
  }
}

/**
 * A caller made of @livekit/rtc-node: publishes a microphone that is silent unless told to speak,
 * and listens to the agent's audio, recording when each frame arrived and how loud it was.
 */
export class TestCaller {
  readonly room = new Room();
  /** The agent's audio as received. */
  readonly heard = new FrameLog();
  agent?: RemoteParticipant;
  readonly #mic = new TestMicrophone();

  async join(url: string, token: string): Promise<void> {
    const subscribed = new Promise<void>((resolve) => {
      this.room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _pub, participant: RemoteParticipant) => {
        if (track.kind !== TrackKind.KIND_AUDIO || participant.kind !== ParticipantKind.AGENT) return;
        this.agent = participant;
        void recordTrack(track, this.heard);
        resolve();
      });
    });
    await this.room.connect(url, token, { autoSubscribe: true, dynacast: false });
    await this.#mic.publish(this.room);
    await subscribed;
  }

  /** Speaks `pcm` (48 kHz mono); resolves with the time its last sample left the source. */
  say(pcm: Int16Array): Promise<number> {
    return this.#mic.say(pcm);
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
    this.#mic.stop();
    await this.room.disconnect();
  }
}
