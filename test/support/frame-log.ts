import { SPEECH_RMS } from './audio.ts';

/** A frame a listener played or received: when, and how loud (RMS, 0..1). */
export interface HeardFrame {
  at: number;
  level: number;
}

/** What a listener heard, in order, with waits on what it will hear. */
export class FrameLog {
  readonly frames: HeardFrame[] = [];
  #listeners = new Set<() => void>();

  add(frame: HeardFrame): void {
    this.frames.push(frame);
    for (const listener of this.#listeners) listener();
  }

  /** Resolves with the first frame satisfying `predicate`, heard already or later. */
  waitFor(predicate: (f: HeardFrame) => boolean): Promise<HeardFrame> {
    return new Promise((resolve) => {
      const check = () => {
        const hit = this.frames.find(predicate);
        if (hit) {
          this.#listeners.delete(check);
          resolve(hit);
        }
      };
      this.#listeners.add(check);
      check();
    });
  }

  /** Resolves with the first speech frame heard at or after `since` (ms epoch). */
  firstSpeechAfter(since: number): Promise<HeardFrame> {
    return this.waitFor((f) => f.at >= since && f.level > SPEECH_RMS);
  }
}
