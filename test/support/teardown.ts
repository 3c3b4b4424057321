import { dispose } from '@livekit/rtc-node';

/**
 * What an end-to-end file started: someone in a room (`leave`; one whose room is already gone is no
 * failure), a stack or server (`stop`), a stand-in (`close`).
 */
type Part =
  | { leave(): Promise<void> }
  | { stop(): Promise<unknown> }
  | { close(): Promise<unknown> | undefined | void }
  | undefined;

/**
 * The end of an end-to-end file that joined rooms with @livekit/rtc-node: takes `parts` down in
 * order (people first, then what they talked to), each one even when one before it failed, frees
 * rtc-node's native side, and then throws the first failure.
 *
 * ```ts
 * afterAll(() => teardown(caller, stack, fake));
 * ```
 */
export async function teardown(...parts: Part[]): Promise<void> {
  const failures: unknown[] = [];
  for (const part of parts) {
    try {
      if (part && 'leave' in part) await part.leave().catch(() => {});
      else if (part && 'stop' in part) await part.stop();
      else if (part) await part.close();
    } catch (err) {
      failures.push(err);
    }
  }
  await dispose();
  if (failures.length > 0) throw failures[0];
}
