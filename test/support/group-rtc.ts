import {
  ParticipantKind,
  type RemoteParticipant,
  type RemoteTrack,
  Room,
  RoomEvent,
  TrackKind,
} from '@livekit/rtc-node';
import { FLOOR_TOPIC, type FloorMessage, GroupDataMessage } from '../../protocol/index.ts';
import { FrameLog } from './frame-log.ts';
import { TestMicrophone, recordTrack } from './rtc.ts';

/**
 * A person in a group room made of @livekit/rtc-node: a microphone that is silent unless told to
 * speak, every character's audio recorded per identity, and the floor messages the job publishes.
 */
export class GroupParticipant {
  readonly room = new Room();
  /** Audio received, by the identity of the character participant that sent it. */
  readonly heard = new Map<string, FrameLog>();
  readonly floor: FloorMessage[] = [];
  #floorListeners = new Set<() => void>();
  readonly #mic = new TestMicrophone();

  async join(url: string, token: string): Promise<void> {
    this.room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _pub, participant: RemoteParticipant) => {
      if (track.kind !== TrackKind.KIND_AUDIO || participant.kind !== ParticipantKind.AGENT) return;
      void recordTrack(track, this.logOf(participant.identity));
    });
    this.room.on(RoomEvent.DataReceived, (payload, _p, _kind, topic) => {
      if (topic !== FLOOR_TOPIC) return;
      const parsed = GroupDataMessage.safeParse(JSON.parse(new TextDecoder().decode(payload)));
      if (!parsed.success || parsed.data.type !== 'floor') return;
      this.floor.push(parsed.data);
      for (const l of this.#floorListeners) l();
    });
    await this.room.connect(url, token, { autoSubscribe: true, dynacast: false });
    await this.#mic.publish(this.room);
  }

  get identity(): string {
    return this.room.localParticipant!.identity;
  }

  logOf(identity: string): FrameLog {
    let log = this.heard.get(identity);
    if (!log) this.heard.set(identity, (log = new FrameLog()));
    return log;
  }

  /** Resolves with the first floor message (received already or later) after `from` that satisfies `predicate`. */
  floorMessage(predicate: (m: FloorMessage) => boolean, from = 0): Promise<FloorMessage> {
    return new Promise((resolve) => {
      const check = () => {
        const hit = this.floor.slice(from).find(predicate);
        if (!hit) return;
        this.#floorListeners.delete(check);
        resolve(hit);
      };
      this.#floorListeners.add(check);
      check();
    });
  }

  /** Speaks `pcm` (48 kHz mono); resolves with the time its last sample left the source. */
  say(pcm: Int16Array): Promise<number> {
    return this.#mic.say(pcm);
  }

  async leave(): Promise<void> {
    this.#mic.stop();
    await this.room.disconnect();
  }
}
