import type { JobContext } from '@livekit/agents';
import { type RemoteParticipant, RoomEvent } from '@livekit/rtc-node';
import { isJobIdentity } from '../../protocol/index.ts';
import type { Logger } from '../logger.ts';
import type { ApiReporter } from '../reporting/api-reporter.ts';

/** Two jobs that joined this close together both settle who stays by identity. */
const SIMULTANEOUS_JOIN_MS = 3000;

/**
 * Keeps one job per room. The API dispatches again when an agent is late, so a slow job and its
 * replacement can both arrive: the one already in the room stays and the newcomer leaves at once.
 * Two that arrive together (neither saw the other when it joined) keep the smaller identity.
 * Resolves true when this job is the room's; call right after `ctx.connect()`.
 */
export function claimRoom(ctx: JobContext, logger: Logger): boolean {
  const own = ctx.room.localParticipant?.identity ?? '';
  const others = [...ctx.room.remoteParticipants.values()].filter((p) => isJobIdentity(p.identity));
  if (others.length > 0) {
    logger.info({ other: others[0]!.identity }, 'another job already serves this room; leaving');
    ctx.shutdown('another job already serves this room');
    return false;
  }
  const connectedAt = Date.now();
  const onJoin = (p: RemoteParticipant) => {
    if (!isJobIdentity(p.identity)) return;
    if (Date.now() - connectedAt > SIMULTANEOUS_JOIN_MS) return; // a newcomer, which leaves by itself
    ctx.room.off(RoomEvent.ParticipantConnected, onJoin);
    if (own > p.identity) {
      logger.info({ other: p.identity }, 'another job joined at the same time; leaving it the room');
      ctx.shutdown('another job joined at the same time');
    }
  };
  ctx.room.on(RoomEvent.ParticipantConnected, onJoin);
  setTimeout(() => ctx.room.off(RoomEvent.ParticipantConnected, onJoin), SIMULTANEOUS_JOIN_MS).unref();
  return true;
}

/**
 * A job whose worker died (its IPC channel closed) leaves at once and says so, so that the API
 * dispatches the call to a worker that is alive; left alone it would go on unsupervised for 15 s
 * and then be shut down by the framework's orphan timer.
 */
export function leaveWhenWorkerGone(ctx: JobContext, reporter: ApiReporter, logger: Logger): void {
  if (!process.connected) return; // not a forked job process (tests that run a job in-process)
  process.once('disconnect', () => {
    logger.warn({}, 'worker gone; leaving so that another worker takes the call up');
    const identity = ctx.room.localParticipant?.identity;
    if (identity) reporter.reportJobEnded({ identity, reason: 'worker_gone' });
    ctx.shutdown('worker gone');
  });
}
