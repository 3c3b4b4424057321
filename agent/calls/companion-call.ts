import { type VAD, voice } from '@livekit/agents';
import { AgentAttributes, type DispatchMetadata } from '../../protocol/index.ts';
import type { CharacterProviders } from '../../speech/index.ts';
import type { ApiClient } from '../api-client.ts';
import { CompanionAgent } from '../conversation/companion.ts';
import { KnowledgeClient } from '../conversation/knowledge.ts';
import { summarizeCall } from '../conversation/memory.ts';
import { type TurnTakingOptions, createCompanionSession } from '../conversation/session.ts';
import { chatContextOf, storedTurns } from '../jobs/resume.ts';
import type { Logger } from '../logger.ts';
import type { ApiReporter } from '../reporting/api-reporter.ts';
import { followTurns } from '../reporting/turns.ts';
import type { CallHost } from './host.ts';

/** How long a finished call keeps retrying undelivered reports before they are spooled. */
const REPORT_FLUSH_TIMEOUT_MS = 15_000;

export interface CompanionCallDeps {
  host: CallHost;
  /** The dispatch that brought the job: the character, the caller, whether to resume. */
  meta: DispatchMetadata;
  vad: VAD;
  /** The character's STT, LLM and TTS. */
  providers: CharacterProviders;
  api: ApiClient;
  reporter: ApiReporter;
  logger: Logger;
  turnTaking: Partial<TurnTakingOptions>;
  /** How long a turn waits for the character's knowledge. */
  knowledgeTimeoutMs: number;
}

/**
 * A 1:1 call: the companion named in the dispatch talks with the caller, every turn is reported,
 * and when the job ends the call is summarised into the character's memory of the caller.
 */
export async function startCompanionCall(deps: CompanionCallDeps): Promise<voice.AgentSession> {
  const { host, meta, vad, providers, api, reporter, logger } = deps;
  const { character } = meta;
  const stored = await storedTurns(api, meta, logger);
  const resumeFrom = stored.length > 0 ? chatContextOf(stored) : undefined;
  if (resumeFrom) logger.info({ turns: stored.length }, 'call taken up again');

  logger.info(
    { providers: providers.info },
    providers.info.offline ? 'companion starting on offline providers' : 'companion starting',
  );
  providers.warmUp().catch((err: unknown) => logger.warn({ err }, 'offline STT warm-up failed'));

  const agent = new CompanionAgent(character, meta.memories ?? [], {
    ...(resumeFrom ? { resumeFrom } : {}),
    knowledge: new KnowledgeClient({
      api,
      sessionId: meta.sessionId,
      characterId: character.id,
      timeoutMs: deps.knowledgeTimeoutMs,
    }),
    logger,
  });
  const session = createCompanionSession(providers, vad, deps.turnTaking);
  // Registered before anything below can fail: the job's shutdown always delivers what was said.
  host.onShutdown(async () => {
    const summary = await summarizeCall(session.history, {
      ...(providers.configuredLlm ? { model: providers.configuredLlm } : {}),
      ...(meta.callerName !== 'Caller' ? { callerName: meta.callerName } : {}),
    }).catch((err: unknown) => logger.warn({ err }, 'call summary failed'));
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
  session.on(voice.AgentSessionEventTypes.Close, () => host.shutdown('session closed'));

  const { room } = host;
  await room.localParticipant?.setAttributes({
    [AgentAttributes.offline]: String(providers.info.offline),
    [AgentAttributes.providers]: JSON.stringify(providers.info),
    [AgentAttributes.characterId]: character.id,
  });
  reporter.reportStatus({
    status: 'active',
    providers: providers.info,
    ...(room.localParticipant ? { identity: room.localParticipant.identity } : {}),
  });
  await session.start({ agent, room, inputOptions: { participantIdentity: meta.callerIdentity } });
  return session;
}
