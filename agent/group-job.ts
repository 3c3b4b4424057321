import { type JobContext, type VAD, log } from '@livekit/agents';
import { ParticipantKind, type RemoteParticipant, RoomEvent } from '@livekit/rtc-node';
import { AccessToken } from 'livekit-server-sdk';
import {
  AgentAttributes,
  type Character,
  type DispatchMetadata,
  FLOOR_TOPIC,
  type ProviderInfo,
} from '../protocol/index.ts';
import { agentApiToken } from '../protocol/internal.ts';
import { type AgentConfig, providerOptionsFrom } from './config.ts';
import { CastMember } from './conversation/group/cast-member.ts';
import { GroupConversation } from './conversation/group/conversation.ts';
import { FloorController, floorOptionsFromSettings } from './conversation/group/floor.ts';
import { HumanListener } from './conversation/group/listener.ts';
import { llmAddressee } from './conversation/group/llm-addressing.ts';
import { groupInstructions } from './conversation/group/transcript.ts';
import { BroadcastRuntime, broadcastApi } from './broadcast/runtime.ts';
import { speechModerator } from './broadcast/speech-moderation.ts';
import { leaveWhenWorkerGone } from './jobs/guard.ts';
import { fetchTranscript } from './jobs/resume.ts';
import { buildProviders, buildStt } from '../speech/index.ts';
import { sessionReporter } from './reporting/api-reporter.ts';
import { turnIdFor } from './reporting/turns.ts';

const REPORT_FLUSH_TIMEOUT_MS = 15_000;
/** The job ends when no person has been in the room for this long. */
const EMPTY_ROOM_TIMEOUT_MS = 20_000;

/** The identity a character joins a group room with. */
export const castIdentity = (characterId: string): string => `character-${characterId}`;

/**
 * A group call: 2–6 characters and up to 8 people in one room. Each person is transcribed on their
 * own; each character is its own participant with its own voice and track; the floor controller
 * decides who speaks, and every utterance reaches the API named after its speaker.
 */
export async function runGroupJob(
  ctx: JobContext,
  meta: DispatchMetadata,
  config: AgentConfig,
  vad: VAD,
): Promise<void> {
  const cast = meta.characters ?? [meta.character];
  const logger = log().child({ sessionId: meta.sessionId, room: ctx.job.room?.name, mode: 'group' });
  const reporter = sessionReporter(config, meta.sessionId, logger);
  leaveWhenWorkerGone(ctx, reporter, logger);
  const providerOptions = providerOptionsFrom(config);
  // `addressing: "llm"`: the configured LLM picks who an unnamed line is for (the heuristic otherwise).
  const addressingModel = buildProviders(cast[0]!, providerOptions, vad).configuredLlm;
  const floor = new FloorController(
    cast.map((c) => ({ id: c.id, name: c.name, talkativeness: c.talkativeness })),
    {
      ...floorOptionsFromSettings(meta.settings),
      ...(config.GROUP_PICKUP_AFTER_MS !== undefined ? { pickupAfterMs: config.GROUP_PICKUP_AFTER_MS } : {}),
      ...(addressingModel ? { chooseAddressee: llmAddressee(addressingModel) } : {}),
      // A broadcast's own director fills silences (with its agenda and cadence), not the floor.
      ...(meta.broadcast ? { pickupAfterMs: null } : {}),
    },
    { onError: (err) => logger.error({ err: (err as Error).message }, 'floor effect failed') },
  );
  floor.subscribe((effect) => {
    if (effect.type === 'observe') logger.debug({ floor: effect.observation }, 'floor');
  });

  const providerInfo: ProviderInfo[] = [];
  // What a broadcast's characters say goes out to an audience: moderated before it is spoken.
  const moderate = meta.broadcast ? speechModerator(config) : undefined;
  const members = cast.map((character) => {
    const providers = buildProviders(character, providerOptions, vad);
    providerInfo.push(providers.info);
    return new CastMember(
      character,
      providers,
      groupInstructions(character, cast),
      {
        replyReady: (turnId, text) => conversation.replyReady(character.id, turnId, text),
        speechStarted: (turnId, at) => conversation.speechStarted(character.id, turnId, at),
        replyEnded: (outcome) => conversation.replyEnded(character, outcome),
      },
      logger,
      moderate,
    );
  });
  /** Set when this group is a broadcast: chat, autonomous talk, show control, the RTMP output. */
  let broadcast: BroadcastRuntime | null = null;
  /** The show must not stop the conversation: a failing broadcast step is logged, not thrown. */
  const onBroadcast = (what: string, step: (b: BroadcastRuntime) => void) => {
    if (!broadcast) return;
    try {
      step(broadcast);
    } catch (err) {
      logger.error({ err: (err as Error).message, step: what }, 'broadcast step failed');
    }
  };
  const conversation = new GroupConversation(floor, members, {
    turn: ({ key, ...turn }) => {
      reporter.reportTurn({ id: turnIdFor(meta.sessionId, key), ...turn });
      onBroadcast('caption', (b) => b.caption(turn.speaker, turn.speakerName, turn.heardText));
    },
    replied: (r) => onBroadcast('replied', (b) => b.replied(r.characterId, r.replyTo, r.heardText)),
    audible: (characterId, audible) => onBroadcast('audible', (b) => b.audible(characterId, audible)),
    publish: (message) =>
      void ctx.room.localParticipant
        ?.publishData(new TextEncoder().encode(JSON.stringify(message)), {
          reliable: true,
          topic: FLOOR_TOPIC,
        })
        .catch((err: Error) => logger.debug({ err: err.message }, 'floor message not published')),
  });

  // A group whose earlier job was lost goes on from what was stored: the characters know it.
  const token = agentApiToken(config.LIVEKIT_API_SECRET);
  const stored = await fetchTranscript(config.API_URL, token, meta.sessionId, 1500).catch((err: unknown) => {
    if (meta.resume) logger.warn({ err }, 'could not load the conversation to resume; starting afresh');
    return [];
  });
  for (const t of stored)
    conversation.transcript.add({
      speaker: t.speaker,
      name: t.speakerName,
      role: t.role === 'assistant' ? 'character' : 'human',
      text: t.role === 'assistant' ? t.heardText : t.text,
    });
  if (stored.length > 0) logger.info({ turns: stored.length }, 'group call taken up again');

  // People: one listener each, attributed to their identity and display name.
  const { stt, label: sttLabel, warmUp } = buildStt(providerOptions, vad);
  warmUp().catch((err: Error) => logger.warn({ err: err.message }, 'offline STT warm-up failed'));
  const listeners = new Map<string, HumanListener>();
  let emptySince: ReturnType<typeof setTimeout> | null = null;
  const isPerson = (p: RemoteParticipant) =>
    p.kind !== ParticipantKind.AGENT && p.kind !== ParticipantKind.EGRESS;
  const listen = (p: RemoteParticipant) => {
    if (!isPerson(p) || listeners.has(p.identity)) return;
    if (emptySince) clearTimeout(emptySince);
    emptySince = null;
    const listener = new HumanListener(
      ctx.room,
      { identity: p.identity, name: p.name || p.identity },
      { vad, stt },
      {
        speechStarted: (identity) => {
          conversation.humanSpeechStarted(identity);
          onBroadcast('speech', (b) => b.humanSpeech(identity, true));
        },
        speaking: (identity, spokenMs) => conversation.humanSpeaking(identity, spokenMs),
        speechStopped: (identity) => {
          conversation.humanSpeechStopped(identity);
          onBroadcast('speech', (b) => b.humanSpeech(identity, false));
        },
        utterance: (u) => conversation.utterance(u),
      },
      logger,
      {
        endpointingMinDelayMs: config.ENDPOINTING_MIN_DELAY_MS,
        endpointingMaxDelayMs: config.ENDPOINTING_MAX_DELAY_MS,
      },
    );
    listeners.set(p.identity, listener);
    listener.start().catch((err: Error) => logger.error({ err: err.message }, 'listener failed to start'));
  };
  const leave = (p: RemoteParticipant) => {
    const listener = listeners.get(p.identity);
    if (!listener) return;
    listeners.delete(p.identity);
    conversation.humanSpeechStopped(p.identity);
    void listener.close();
    // A broadcast goes on with nobody in the room (the audience is on Twitch): its stop ends it.
    if (listeners.size === 0 && !meta.broadcast)
      emptySince = setTimeout(() => ctx.shutdown('everyone left the group call'), EMPTY_ROOM_TIMEOUT_MS);
  };

  ctx.addShutdownCallback(async () => {
    await broadcast?.stop().catch((err: Error) => logger.warn({ err: err.message }, 'broadcast stop failed'));
    if (emptySince) clearTimeout(emptySince);
    floor.close();
    await Promise.all([...listeners.values()].map((l) => l.close()));
    await Promise.all(members.map((m) => m.close()));
    logger.info('group call ended');
    if (!(await reporter.flush(REPORT_FLUSH_TIMEOUT_MS))) reporter.close();
  });

  // One RoomIO per person plus the job's own handlers: more listeners than Node's default warns about.
  ctx.room.setMaxListeners(100);
  const info: ProviderInfo = {
    stt: sttLabel,
    llm: [...new Set(providerInfo.map((p) => p.llm))].join(' | '),
    tts: [...new Set(providerInfo.map((p) => p.tts))].join(' | '),
    offline: providerInfo.some((p) => p.offline),
  };
  await ctx.room.localParticipant?.setAttributes({
    [AgentAttributes.offline]: String(info.offline),
    [AgentAttributes.providers]: JSON.stringify(info),
  });
  reporter.reportStatus({
    status: 'active',
    providers: info,
    ...(ctx.room.localParticipant ? { identity: ctx.room.localParticipant.identity } : {}),
  });
  logger.info({ providers: info, cast: cast.map((c) => c.id) }, 'group call starting');

  await Promise.all(
    cast.map(async (character) => {
      const token = await castToken(config, ctx.room.name ?? ctx.job.room?.name ?? '', character, info);
      await members
        .find((m) => m.character === character)!
        .start(config.LIVEKIT_URL, token, ctx.room.localParticipant!.identity);
    }),
  );
  ctx.room.on(RoomEvent.ParticipantConnected, listen);
  ctx.room.on(RoomEvent.ParticipantDisconnected, leave);
  for (const p of ctx.room.remoteParticipants.values()) listen(p);
  if (listeners.size === 0 && !meta.broadcast)
    emptySince = setTimeout(() => ctx.shutdown('nobody joined the group call'), EMPTY_ROOM_TIMEOUT_MS);
  if (meta.broadcast) {
    const api = broadcastApi(config, meta.broadcast.id, agentApiToken(config.LIVEKIT_API_SECRET));
    broadcast = new BroadcastRuntime(
      {
        room: ctx.room,
        cast,
        floor,
        conversation,
        ownerIdentity: meta.callerIdentity,
        say: async (characterId, text) => {
          await members
            .find((m) => m.character.id === characterId)
            ?.session.say(text)
            .waitForPlayout();
        },
        logger,
      },
      api,
      config,
    );
    try {
      await broadcast.start(meta.broadcast.output);
      logger.info({ output: meta.broadcast.output }, 'broadcast started');
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'broadcast failed to start');
      await api.status('failed', (err as Error).message);
    }
  }
}

/** A join token for one character's own participant, minted by the job with the worker's key. */
async function castToken(
  config: AgentConfig,
  room: string,
  character: Character,
  info: ProviderInfo,
): Promise<string> {
  const at = new AccessToken(config.LIVEKIT_API_KEY, config.LIVEKIT_API_SECRET, {
    identity: castIdentity(character.id),
    name: character.name,
    ttl: 6 * 3600,
    attributes: {
      [AgentAttributes.characterId]: character.id,
      [AgentAttributes.offline]: String(info.offline),
    },
  });
  at.kind = 'agent';
  at.addGrant({
    roomJoin: true,
    room,
    canPublish: true,
    canSubscribe: false,
    canPublishData: true,
    hidden: false,
  });
  return at.toJwt();
}
