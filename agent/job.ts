import { type JobContext, type JobProcess, type VAD, defineAgent, log, voice } from '@livekit/agents';
import * as silero from '@livekit/agents-plugin-silero';
import { AgentAttributes, DispatchMetadata } from '../protocol/index.ts';
import { agentApiToken } from '../protocol/internal.ts';
import { type AgentConfig, loadAgentConfigFromProcess, providerOptionsFrom } from './config.ts';
import { CompanionAgent } from './conversation/companion.ts';
import { KnowledgeClient } from './conversation/knowledge.ts';
import { summarizeCall } from './conversation/memory.ts';
import { type TurnTakingOptions, createCompanionSession } from './conversation/session.ts';
import { runGroupJob } from './group-job.ts';
import { claimRoom, leaveWhenWorkerGone } from './jobs/guard.ts';
import { chatContextOf, fetchTranscript } from './jobs/resume.ts';
import { buildProviders } from '../speech/index.ts';
import { sessionReporter } from './reporting/api-reporter.ts';
import { followTurns } from './reporting/turns.ts';

/** How long a finished job keeps retrying undelivered turns before it gives up and logs them. */
const REPORT_FLUSH_TIMEOUT_MS = 15_000;

export function turnTakingFromConfig(config: AgentConfig): Partial<TurnTakingOptions> {
  return {
    turnDetection: config.TURN_DETECTION,
    endpointingMinDelayMs: config.ENDPOINTING_MIN_DELAY_MS,
    endpointingMaxDelayMs: config.ENDPOINTING_MAX_DELAY_MS,
    interruptionMinDurationMs: config.INTERRUPTION_MIN_DURATION_MS,
    falseInterruptionTimeoutMs: config.FALSE_INTERRUPTION_TIMEOUT_MS,
    preemptiveGeneration: config.PREEMPTIVE_GENERATION,
    aecWarmupMs: config.AEC_WARMUP_MS === 0 ? null : config.AEC_WARMUP_MS,
  };
}

export function parseDispatchMetadata(raw: string | undefined): DispatchMetadata {
  let json: unknown;
  try {
    json = JSON.parse(raw ?? '');
  } catch {
    throw new Error('agent dispatch has no JSON metadata: dispatch through POST /api/sessions');
  }
  return DispatchMetadata.parse(json);
}

/** One job per room: the companion named in the dispatch talks with the caller. */
export default defineAgent({
  prewarm: async (proc: JobProcess) => {
    const config = loadAgentConfigFromProcess();
    proc.userData.vad = await silero.VAD.load({ minSilenceDuration: config.VAD_MIN_SILENCE_MS });
  },
  entry: async (ctx: JobContext) => {
    const config = loadAgentConfigFromProcess();
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
    if (meta.mode === 'group') return runGroupJob(ctx, meta, config, ctx.proc.userData.vad as VAD);
    const { character } = meta;
    const vad = ctx.proc.userData.vad as VAD;
    const apiToken = agentApiToken(config.LIVEKIT_API_SECRET);
    // A call whose earlier job was lost (the API says so, or its transcript is not empty: the room
    // may have been opened again by a reconnecting browser) continues from what was stored.
    const stored = await fetchTranscript(config.API_URL, apiToken, meta.sessionId, 1500).catch(
      (err: unknown) => {
        if (meta.resume) logger.warn({ err }, 'could not load the conversation to resume; starting afresh');
        return [];
      },
    );
    const resumeFrom = stored.length > 0 ? chatContextOf(stored) : undefined;
    if (resumeFrom) logger.info({ turns: stored.length }, 'call taken up again');

    const providers = buildProviders(character, providerOptionsFrom(config), vad);
    logger.info(
      { providers: providers.info },
      providers.info.offline ? 'companion starting on offline providers' : 'companion starting',
    );

    providers.warmUp().catch((err: Error) => logger.warn({ err: err.message }, 'offline STT warm-up failed'));

    const reporter = sessionReporter(config, meta.sessionId, logger);
    leaveWhenWorkerGone(ctx, reporter, logger);
    const agent = new CompanionAgent(character, meta.memories ?? [], {
      ...(resumeFrom ? { resumeFrom } : {}),
      knowledge: new KnowledgeClient({
        apiUrl: config.API_URL,
        token: apiToken,
        sessionId: meta.sessionId,
        characterId: character.id,
        timeoutMs: config.KNOWLEDGE_TIMEOUT_MS,
      }),
      logger,
    });
    const session = createCompanionSession(providers, vad, turnTakingFromConfig(config));
    ctx.addShutdownCallback(async () => {
      const summary = await summarizeCall(session.history, {
        ...(providers.configuredLlm ? { model: providers.configuredLlm } : {}),
        ...(meta.callerName !== 'Caller' ? { callerName: meta.callerName } : {}),
      }).catch((err: Error) => logger.warn({ err: err.message }, 'call summary failed'));
      logger.info({ remembered: Boolean(summary) }, 'call ended');
      if (summary) reporter.reportSummary({ summary });
      if (!(await reporter.flush(REPORT_FLUSH_TIMEOUT_MS))) reporter.close();
    });
    followTurns(
      session,
      {
        sessionId: meta.sessionId,
        callerIdentity: meta.callerIdentity,
        callerName: meta.callerName,
        characterId: character.id,
        characterName: character.name,
      },
      (turn) => reporter.reportTurn(turn),
      () => agent.recentGenerations,
    );
    session.on(voice.AgentSessionEventTypes.Close, () => ctx.shutdown('session closed'));

    await ctx.room.localParticipant?.setAttributes({
      [AgentAttributes.offline]: String(providers.info.offline),
      [AgentAttributes.providers]: JSON.stringify(providers.info),
      [AgentAttributes.characterId]: character.id,
    });
    reporter.reportStatus({
      status: 'active',
      providers: providers.info,
      ...(ctx.room.localParticipant ? { identity: ctx.room.localParticipant.identity } : {}),
    });
    await session.start({
      agent,
      room: ctx.room,
      inputOptions: { participantIdentity: meta.callerIdentity },
    });
  },
});
