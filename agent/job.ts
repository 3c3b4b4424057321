import { type JobContext, type JobProcess, type VAD, defineAgent, log } from '@livekit/agents';
import * as silero from '@livekit/agents-plugin-silero';
import { DispatchMetadata } from '../protocol/index.ts';
import { buildProviders } from '../speech/index.ts';
import { ApiClient } from './api-client.ts';
import { broadcastCallOptions, startGroupBroadcast } from './broadcast/group-broadcast.ts';
import { startCompanionCall } from './calls/companion-call.ts';
import { startGroupCall } from './calls/group-call.ts';
import { attachGroupControl } from './calls/group-control.ts';
import type { CallHost } from './calls/host.ts';
import { type AgentOptions, loadAgentOptionsFromProcess } from './config.ts';
import { claimRoom, leaveWhenWorkerGone } from './jobs/guard.ts';
import type { Logger } from './logger.ts';
import { sessionReporter } from './reporting/api-reporter.ts';

export function parseDispatchMetadata(raw: string | undefined): DispatchMetadata {
  let json: unknown;
  try {
    json = JSON.parse(raw ?? '');
  } catch {
    throw new Error('agent dispatch has no JSON metadata: dispatch through POST /api/sessions');
  }
  return DispatchMetadata.parse(json);
}

/** One job per room: the companion of a 1:1 call, or the whole cast of a group (or broadcast). */
export default defineAgent({
  prewarm: async (proc: JobProcess) => {
    const options = loadAgentOptionsFromProcess();
    proc.userData.vad = await silero.VAD.load({ minSilenceDuration: options.vadMinSilenceMs });
  },
  entry: async (ctx: JobContext) => {
    const options = loadAgentOptionsFromProcess();
    const meta = parseDispatchMetadata(ctx.job.metadata);
    const logger = log().child({
      sessionId: meta.sessionId,
      room: ctx.job.room?.name,
      character: meta.character.id,
      ...(meta.attempt ? { attempt: meta.attempt } : {}),
    });
    // One job per room, whichever dispatch brought it: a second one leaves before doing anything.
    await ctx.connect();
    if (!claimRoom(ctx, logger)) return;
    logger.info({ mode: meta.mode, resume: meta.resume ?? false }, 'job in the room');
    const vad = ctx.proc.userData.vad as VAD;
    const api = ApiClient.forSecret(options.apiUrl, options.livekit.apiSecret);
    const host: CallHost = {
      room: ctx.room,
      roomName: ctx.room.name ?? ctx.job.room?.name ?? '',
      shutdown: (reason) => ctx.shutdown(reason),
      onShutdown: (callback) => ctx.addShutdownCallback(callback),
    };
    if (meta.mode === 'group') {
      const groupLogger = log().child({ sessionId: meta.sessionId, room: ctx.job.room?.name, mode: 'group' });
      return runGroup(ctx, host, meta, { options, api, vad, logger: groupLogger });
    }
    const reporter = sessionReporter({ api, spoolDir: options.spoolDir }, meta.sessionId, logger);
    leaveWhenWorkerGone(ctx, reporter, logger);
    await startCompanionCall({
      host,
      meta,
      vad,
      providers: buildProviders(meta.character, options.providers, vad),
      api,
      reporter,
      logger,
      turnTaking: options.turnTaking,
      knowledgeTimeoutMs: options.knowledgeTimeoutMs,
    });
  },
});

/** A group call, and its broadcast when it is one. */
async function runGroup(
  ctx: JobContext,
  host: CallHost,
  meta: DispatchMetadata,
  deps: { options: AgentOptions; api: ApiClient; vad: VAD; logger: Logger },
): Promise<void> {
  const { options, api, vad, logger } = deps;
  const reporter = sessionReporter({ api, spoolDir: options.spoolDir }, meta.sessionId, logger);
  leaveWhenWorkerGone(ctx, reporter, logger);
  const call = await startGroupCall({
    host,
    meta,
    vad,
    providers: options.providers,
    api,
    reporter,
    logger,
    livekit: options.livekit,
    options: {
      listener: {
        endpointingMinDelayMs: options.turnTaking.endpointingMinDelayMs,
        endpointingMaxDelayMs: options.turnTaking.endpointingMaxDelayMs,
      },
      pickupAfterMs: options.group.pickupAfterMs,
      stayWhenEmpty: false,
      ...(meta.broadcast ? broadcastCallOptions(options.moderation) : {}),
    },
  });
  if (meta.broadcast)
    await startGroupBroadcast(
      call,
      { ...meta, broadcast: meta.broadcast },
      { api, logger, options: { twitch: options.twitch, moderation: options.moderation } },
    );
  // Show control of the session itself (POST /api/sessions/:id/control); a broadcast has its own.
  else attachGroupControl(call, meta.sessionId, { api, logger });
}
