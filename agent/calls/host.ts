import type { Room } from '@livekit/rtc-node';

/** What a call needs of the job it runs in (a JobContext, or a test's stand-in). */
export interface CallHost {
  /** The job's connected room. */
  room: Room;
  /** The room's name, known from the dispatch even before the room reports it. */
  roomName: string;
  /** Ends the job; the callbacks given to `onShutdown` then run. */
  shutdown(reason: string): void;
  /** Runs `callback` when the job ends; the job waits for it. Callbacks run concurrently. */
  onShutdown(callback: () => Promise<void>): void;
}
