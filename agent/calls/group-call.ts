import type { VAD, stt } from '@livekit/agents';
import { ParticipantKind, type RemoteParticipant, type Room, RoomEvent } from '@livekit/rtc-node';
import {
  AgentAttributes,
  type Character,
  type DispatchMetadata,
  FLOOR_TOPIC,
  type ProviderInfo,
} from '../../protocol/index.ts';
import { buildProviders, buildStt } from '../../speech/index.ts';
import { createOpenAILLM, endpointFor } from '../../speech/openai/index.ts';
import type { ProviderOptions } from '../../speech/options.ts';
import type { ApiClient } from '../api-client.ts';
import type { LiveKitOptions } from '../config.ts';
import { CastMember } from '../conversation/group/cast-member.ts';
import { GroupConversation } from '../conversation/group/conversation.ts';
import { FloorController, floorOptionsFromSettings } from '../conversation/group/floor.ts';
import { HumanListener, type ListenerOptions } from '../conversation/group/listener.ts';
import { llmAddressee } from '../conversation/group/llm-addressing.ts';
import { groupInstructions } from '../conversation/group/transcript.ts';
import type { SentenceModerator } from '../conversation/sentence-moderation.ts';
import { storedTurns } from '../jobs/resume.ts';
import type { Logger } from '../logger.ts';
import type { ApiReporter } from '../reporting/api-reporter.ts';
import { turnIdFor } from '../reporting/turns.ts';
import { castToken } from './cast-token.ts';
import type { CallHost } from './host.ts';

/** How long a finished call keeps retrying undelivered reports before they are spooled. */
const REPORT_FLUSH_TIMEOUT_MS = 15_000;
/** The call ends when no person has been in the room for this long. */
const EMPTY_ROOM_TIMEOUT_MS = 20_000;

/** What happens in a group call, for something running alongside it (a broadcast). */
export interface GroupCallObserver {
  /** A finished utterance or reply, as stored. */
  caption(speaker: string, name: string, text: string): void;
  /** A character's reply ended, with the speaker it answered. */
  replied(characterId: string, replyTo: string | null, heardText: string): void;
  /** A character started or stopped being audible. */
  audible(characterId: string, audible: boolean): void;
  /** A person started or stopped speaking. */
  humanSpeech(identity: string, speaking: boolean): void;
  /** A scripted line's turn ended (see GroupConversationHooks.lineEnded). */
  lineEnded?(lineId: string, outcome: { audible: boolean; heardText: string; interrupted: boolean }): void;
}

/** Runs alongside the call: observes it, and is stopped before the call closes. */
export interface GroupCallExtension extends GroupCallObserver {
  stop(): Promise<void>;
}

export interface GroupCallOptions {
  /** Endpointing of each person's listener. @defaultValue the listener's defaults */
  listener: Partial<ListenerOptions>;
  /** Overrides the session's `pickupAfterMs`; null: the floor never fills a silence.
   *  @defaultValue undefined (the session's) */
  pickupAfterMs?: number | null;
  /** Keep going with nobody in the room (a broadcast's audience is elsewhere). @defaultValue false */
  stayWhenEmpty: boolean;
  /** Moderation of what the characters say, sentence by sentence. @defaultValue undefined (none) */
  moderate?: SentenceModerator;
}

export interface GroupCallDeps {
  host: CallHost;
  /** The dispatch that brought the job: cast, settings, the caller, whether to resume. */
  meta: DispatchMetadata;
  vad: VAD;
  providers: ProviderOptions;
  api: ApiClient;
  reporter: ApiReporter;
  logger: Logger;
  /** The server the characters join and the key their tokens are minted with. */
  livekit: LiveKitOptions;
  options: GroupCallOptions;
}

/**
 * A group call: 2–6 characters and up to 8 people in one room. Each person is transcribed on their
 * own; each character is its own participant with its own voice and track; the floor controller
 * decides who speaks, and every utterance reaches the API named after its speaker.
 */
export async function startGroupCall(deps: GroupCallDeps): Promise<GroupCall> {
  const call = new GroupCall(deps);
  deps.host.onShutdown(() => call.close());
  await call.start();
  return call;
}

export class GroupCall {
  readonly cast: readonly Character[];
  readonly floor: FloorController;
  readonly conversation: GroupConversation;
  readonly #deps: GroupCallDeps;
  readonly #log: Logger;
  readonly #members: CastMember[];
  readonly #providerInfo: ProviderInfo[] = [];
  readonly #listeners = new Map<string, HumanListener>();
  readonly #extensions: GroupCallExtension[] = [];
  #emptySince: ReturnType<typeof setTimeout> | null = null;

  constructor(deps: GroupCallDeps) {
    const { meta, vad, providers, logger, options } = deps;
    this.#deps = deps;
    this.#log = logger;
    const cast = meta.characters ?? [meta.character];
    this.cast = cast;
    // `addressing: "llm"`: the configured LLM picks who an unnamed line is for (the heuristic otherwise).
    const llmEndpoint = endpointFor(providers, 'llm');
    const addressingModel = llmEndpoint && createOpenAILLM(llmEndpoint, providers.llm.model);
    this.floor = new FloorController(
      cast.map((c) => ({ id: c.id, name: c.name, talkativeness: c.talkativeness })),
      {
        ...floorOptionsFromSettings(meta.settings),
        ...(options.pickupAfterMs !== undefined ? { pickupAfterMs: options.pickupAfterMs } : {}),
        ...(addressingModel ? { chooseAddressee: llmAddressee(addressingModel) } : {}),
      },
      { onError: (err) => logger.error({ err }, 'floor effect failed') },
    );
    this.floor.subscribe((effect) => {
      if (effect.type === 'observe') logger.debug({ floor: effect.observation }, 'floor');
    });

    this.#members = cast.map((character) => {
      const models = buildProviders(character, providers, vad);
      this.#providerInfo.push(models.info);
      return new CastMember(
        character,
        models,
        groupInstructions(character, cast),
        {
          replyReady: (turnId, text) => this.conversation.replyReady(character.id, turnId, text),
          speechStarted: (turnId, at) => this.conversation.speechStarted(character.id, turnId, at),
          replyEnded: (outcome) => this.conversation.replyEnded(character, outcome),
        },
        logger,
        options.moderate,
      );
    });
    this.conversation = new GroupConversation(this.floor, this.#members, {
      turn: ({ key, ...turn }) => {
        deps.reporter.reportTurn({ id: turnIdFor(meta.sessionId, key), ...turn });
        this.#tell((o) => o.caption(turn.speaker, turn.speakerName, turn.heardText));
      },
      replied: (r) => this.#tell((o) => o.replied(r.characterId, r.replyTo, r.heardText)),
      audible: (characterId, audible) => this.#tell((o) => o.audible(characterId, audible)),
      lineEnded: (lineId, outcome) => this.#tell((o) => o.lineEnded?.(lineId, outcome)),
      publish: (message) =>
        void deps.host.room.localParticipant
          ?.publishData(new TextEncoder().encode(JSON.stringify(message)), {
            reliable: true,
            topic: FLOOR_TOPIC,
          })
          .catch((err: unknown) => logger.debug({ err }, 'floor message not published')),
    });
  }

  /** The job's room, where the people are. */
  get room(): Room {
    return this.#deps.host.room;
  }

  /** Runs `extension` alongside the call from now on; it is stopped first when the call closes. */
  attach(extension: GroupCallExtension): void {
    this.#extensions.push(extension);
  }

  /** Has a character say a line outside the floor; resolves once it is played out. */
  async say(characterId: string, text: string): Promise<void> {
    await this.#members
      .find((m) => m.character.id === characterId)
      ?.session.say(text)
      .waitForPlayout();
  }

  /** A character's answer to `prompt` in its own words, from its seat in the conversation; not said. */
  async compose(characterId: string, prompt: string, signal: AbortSignal): Promise<string> {
    const member = this.#members.find((m) => m.character.id === characterId);
    if (!member) throw new Error(`no character ${characterId} in this call`);
    return member.compose(this.conversation.transcript.chatContextFor(characterId), prompt, signal);
  }

  /** Takes up the stored conversation, joins the characters and starts listening to the people. */
  async start(): Promise<void> {
    const { host, meta, api, reporter, livekit, vad, providers } = this.#deps;
    const { room } = host;
    const log = this.#log;
    // A group whose earlier job was lost goes on from what was stored: the characters know it.
    const stored = await storedTurns(api, meta, log);
    for (const t of stored)
      this.conversation.transcript.add({
        speaker: t.speaker,
        name: t.speakerName,
        role: t.role === 'assistant' ? 'character' : 'human',
        text: t.role === 'assistant' ? t.heardText : t.text,
      });
    if (stored.length > 0) log.info({ turns: stored.length }, 'group call taken up again');

    // People: one listener each, attributed to their identity and display name.
    const { stt, label: sttLabel, warmUp } = buildStt(providers, vad);
    warmUp().catch((err: unknown) => log.warn({ err }, 'offline STT warm-up failed'));

    // One RoomIO per person plus the job's own handlers: more listeners than Node's default warns about.
    room.setMaxListeners(100);
    const info: ProviderInfo = {
      stt: sttLabel,
      llm: [...new Set(this.#providerInfo.map((p) => p.llm))].join(' | '),
      tts: [...new Set(this.#providerInfo.map((p) => p.tts))].join(' | '),
      offline: this.#providerInfo.some((p) => p.offline),
    };
    await room.localParticipant?.setAttributes({
      [AgentAttributes.offline]: String(info.offline),
      [AgentAttributes.providers]: JSON.stringify(info),
    });
    reporter.reportStatus({
      status: 'active',
      providers: info,
      ...(room.localParticipant ? { identity: room.localParticipant.identity } : {}),
    });
    log.info({ providers: info, cast: this.cast.map((c) => c.id) }, 'group call starting');

    await Promise.all(
      this.#members.map(async (member) => {
        const token = await castToken(livekit, host.roomName, member.character, info.offline);
        await member.start(livekit.url, token, room.localParticipant!.identity);
      }),
    );
    room.on(RoomEvent.ParticipantConnected, (p) => this.#listen(p, stt));
    room.on(RoomEvent.ParticipantDisconnected, (p) => this.#leave(p));
    for (const p of room.remoteParticipants.values()) this.#listen(p, stt);
    if (this.#listeners.size === 0) this.#shutdownWhenEmpty('nobody joined the group call');
  }

  async close(): Promise<void> {
    for (const extension of this.#extensions) await extension.stop();
    if (this.#emptySince) clearTimeout(this.#emptySince);
    this.floor.close();
    await Promise.all([...this.#listeners.values()].map((l) => l.close()));
    await Promise.all(this.#members.map((m) => m.close()));
    this.#log.info({}, 'group call ended');
    const { reporter } = this.#deps;
    if (!(await reporter.flush(REPORT_FLUSH_TIMEOUT_MS))) reporter.close();
  }

  #tell(step: (observer: GroupCallObserver) => void): void {
    for (const extension of this.#extensions) step(extension);
  }

  #shutdownWhenEmpty(reason: string): void {
    if (this.#deps.options.stayWhenEmpty) return;
    this.#emptySince = setTimeout(() => this.#deps.host.shutdown(reason), EMPTY_ROOM_TIMEOUT_MS);
  }

  #listen(p: RemoteParticipant, stt: stt.STT): void {
    const isPerson = p.kind !== ParticipantKind.AGENT && p.kind !== ParticipantKind.EGRESS;
    if (!isPerson || this.#listeners.has(p.identity)) return;
    if (this.#emptySince) clearTimeout(this.#emptySince);
    this.#emptySince = null;
    const { host, vad, options } = this.#deps;
    const listener = new HumanListener(
      host.room,
      { identity: p.identity, name: p.name || p.identity },
      { vad, stt },
      {
        speechStarted: (identity) => {
          this.conversation.humanSpeechStarted(identity);
          this.#tell((o) => o.humanSpeech(identity, true));
        },
        speaking: (identity, spokenMs) => this.conversation.humanSpeaking(identity, spokenMs),
        speechStopped: (identity) => {
          this.conversation.humanSpeechStopped(identity);
          this.#tell((o) => o.humanSpeech(identity, false));
        },
        utterance: (u) => this.conversation.utterance(u),
      },
      this.#log,
      options.listener,
    );
    this.#listeners.set(p.identity, listener);
    listener.start().catch((err: unknown) => this.#log.error({ err }, 'listener failed to start'));
  }

  #leave(p: RemoteParticipant): void {
    const listener = this.#listeners.get(p.identity);
    if (!listener) return;
    this.#listeners.delete(p.identity);
    this.conversation.humanSpeechStopped(p.identity);
    void listener.close();
    if (this.#listeners.size === 0) this.#shutdownWhenEmpty('everyone left the group call');
  }
}
