import type { Character, FloorMessage, Turn, TurnSource } from '../../../protocol/index.ts';
import type { ReplyOutcome } from './cast-member.ts';
import type { FloorController, FloorEffect, SpeakPlan } from './floor.ts';
import type { HeardUtterance } from './listener.ts';
import { GroupTranscript } from './transcript.ts';
import { topicInstructions } from './topic.ts';
import { msFromSeconds as ms, turnReport } from '../../reporting/turn-report.ts';

/** What the conversation needs of a character's voice (CastMember, or a stand-in in a bench). */
export interface CastVoice {
  readonly character: Character;
  reply(
    turnId: string,
    chatCtx: ReturnType<GroupTranscript['chatContextFor']>,
    instructions: string,
    hold: boolean,
  ): void;
  /** Says `text` word for word as the turn `turnId` (a scripted line), held like a reply. */
  say(turnId: string, text: string, hold: boolean): void;
  release(turnId: string): void;
  hold(turnId: string): void;
  cancel(turnId: string): void;
  interrupt(): void;
}

export interface GroupConversationOptions {
  /**
   * Generate the next speaker's reply while the current one still talks and hold its audio until
   * the floor is free (hand-over without dead air). Off only to measure what it saves.
   * @defaultValue true
   */
  prepareNext: boolean;
}

export const defaultGroupConversationOptions: GroupConversationOptions = { prepareNext: true };

export interface GroupConversationHooks {
  /** A finished turn to store, named after its speaker (person identity or character id). */
  turn(turn: Omit<Turn, 'id'> & { key: string }): void;
  /** A floor message for the room. */
  publish(message: FloorMessage): void;
  /** The hand-over gap of a character reply that answered another character, once known. */
  handover?(characterId: string, gapMs: number): void;
  /** A character's reply ended (played out or interrupted), with what it answered. */
  replied?(reply: {
    characterId: string;
    heardText: string;
    replyTo: string | null;
    interrupted: boolean;
  }): void;
  /** A character started or stopped being audible. */
  audible?(characterId: string, audible: boolean): void;
  /**
   * A scripted line's turn ended: played out, cut off (`interrupted`, `heardText` the part heard),
   * or dropped before anyone heard it (`audible` false: it may be offered again).
   */
  lineEnded?(lineId: string, outcome: { audible: boolean; heardText: string; interrupted: boolean }): void;
}

/**
 * The group conversation's wiring: floor effects become replies of the characters' voices, their
 * outcomes and the people's utterances go back to the floor, into the shared transcript and out as
 * stored turns. No LiveKit here beyond the voices it is given; the job owns rooms and sessions.
 */
export class GroupConversation {
  readonly transcript = new GroupTranscript();
  readonly #floor: FloorController;
  readonly #voices: Map<string, CastVoice>;
  readonly #hooks: GroupConversationHooks;
  readonly #o: GroupConversationOptions;
  readonly #plans = new Map<string, SpeakPlan>();
  readonly #gaps = new Map<string, number>();
  /** Extra instructions for the next reply to a speaker (a chatter to be named in the answer). */
  readonly #asks = new Map<string, string>();
  #lastCharacterEnd: number | null = null;

  constructor(
    floor: FloorController,
    voices: readonly CastVoice[],
    hooks: GroupConversationHooks,
    opts: Partial<GroupConversationOptions> = {},
  ) {
    this.#floor = floor;
    this.#voices = new Map(voices.map((v) => [v.character.id, v]));
    this.#hooks = hooks;
    this.#o = { ...defaultGroupConversationOptions, ...opts };
    floor.subscribe((effect) => this.#apply(effect));
  }

  // --- from the characters' voices -------------------------------------------------------------

  replyReady(characterId: string, turnId: string, text: string): void {
    if (this.#plans.has(turnId)) this.#floor.dispatch({ type: 'characterReplyReady', characterId, text });
  }

  speechStarted(characterId: string, turnId: string, at: number): void {
    const plan = this.#plans.get(turnId);
    if (plan?.replyTo?.role === 'character' && this.#lastCharacterEnd !== null) {
      const gap = Math.max(0, at - this.#lastCharacterEnd);
      this.#gaps.set(turnId, gap);
      this.#hooks.handover?.(characterId, gap);
    }
    this.#floor.dispatch({ type: 'characterSpeechStarted', characterId });
    this.#hooks.audible?.(characterId, true);
  }

  replyEnded(character: Character, outcome: ReplyOutcome): void {
    const plan = this.#plans.get(outcome.turnId);
    this.#plans.delete(outcome.turnId);
    const audible = outcome.startedAt !== null;
    if (audible) this.#lastCharacterEnd = outcome.endedAt;
    if (outcome.heardText)
      this.transcript.add({
        speaker: character.id,
        name: character.name,
        role: 'character',
        text: outcome.heardText,
      });
    if (plan) {
      if (outcome.interrupted)
        this.#floor.dispatch({
          type: 'characterInterrupted',
          characterId: character.id,
          heardText: outcome.heardText,
        });
      else
        this.#floor.dispatch({
          type: 'characterPlayoutFinished',
          characterId: character.id,
          text: outcome.text,
        });
    }
    const gap = this.#gaps.get(outcome.turnId) ?? null;
    this.#gaps.delete(outcome.turnId);
    if (audible) this.#hooks.audible?.(character.id, false);
    const line = plan?.line;
    if (line)
      this.#hooks.lineEnded?.(line.id, {
        audible,
        heardText: outcome.heardText,
        interrupted: outcome.interrupted,
      });
    if (!audible && !outcome.heardText) return;
    this.#hooks.replied?.({
      characterId: character.id,
      heardText: outcome.heardText,
      replyTo: plan?.replyTo?.speaker ?? null,
      interrupted: outcome.interrupted,
    });
    const m = outcome.message?.metrics;
    this.#hooks.turn({
      key: `${character.id}/${outcome.message?.id ?? outcome.turnId}`,
      ...turnReport({
        role: 'assistant',
        speaker: character.id,
        speakerName: character.name,
        text: outcome.text || outcome.heardText,
        heardText: outcome.heardText,
        interrupted: outcome.interrupted,
        startedAtMs: outcome.startedAt ?? outcome.endedAt,
        endedAtMs: outcome.endedAt,
        metrics: { llmTtftMs: ms(m?.llmNodeTtft), ttsTtfbMs: ms(m?.ttsNodeTtfb), handoverGapMs: gap },
        ...(line ? { source: 'api' as const } : {}),
      }),
    });
  }

  // --- from the people ---------------------------------------------------------------------------

  humanSpeechStarted(identity: string): void {
    this.#floor.dispatch({ type: 'humanSpeechStarted', identity });
  }

  /** How much speech the person's VAD has heard in their current segment, in audio time. */
  humanSpeaking(identity: string, spokenMs: number): void {
    this.#floor.dispatch({ type: 'humanSpeaking', identity, spokenMs });
  }

  humanSpeechStopped(identity: string): void {
    this.#floor.dispatch({ type: 'humanSpeechStopped', identity });
  }

  /** A person's (or a chatter's, `source: 'chat'`) finished utterance. */
  utterance(u: HeardUtterance, source: TurnSource = 'voice'): void {
    this.transcript.add({ speaker: u.identity, name: u.name, role: 'human', text: u.text });
    this.#floor.dispatch({ type: 'humanUtterance', identity: u.identity, name: u.name, text: u.text });
    this.#hooks.turn({
      key: `${u.identity}/${u.startedAt}/${u.text}`,
      ...turnReport({
        role: 'user',
        speaker: u.identity,
        speakerName: u.name,
        text: u.text,
        heardText: u.text,
        interrupted: false,
        startedAtMs: u.startedAt,
        endedAtMs: u.endedAt,
        source,
      }),
    });
  }

  /** Adds `instructions` to the next reply to `speaker` (e.g. "answer aloud, naming the chatter"). */
  instructNextReplyTo(speaker: string, instructions: string): void {
    this.#asks.set(speaker, instructions);
  }

  // --- floor effects -----------------------------------------------------------------------------

  #apply(effect: FloorEffect): void {
    switch (effect.type) {
      case 'prepare':
        if (this.#o.prepareNext) this.#start(effect.characterId, effect.plan, true);
        return;
      case 'speak':
        this.#start(effect.characterId, effect.plan, false);
        return;
      case 'hold':
        this.#voices.get(effect.characterId)?.hold(effect.turnId);
        return;
      case 'cancel': {
        const line = this.#plans.get(effect.turnId)?.line;
        this.#plans.delete(effect.turnId);
        this.#voices.get(effect.characterId)?.cancel(effect.turnId);
        if (line) this.#hooks.lineEnded?.(line.id, { audible: false, heardText: '', interrupted: true });
        return;
      }
      case 'interrupt':
        this.#voices.get(effect.characterId)?.interrupt();
        return;
      case 'publish':
        this.#hooks.publish(effect.message);
        return;
      default:
        return;
    }
  }

  #start(characterId: string, plan: SpeakPlan, hold: boolean): void {
    const voice = this.#voices.get(characterId);
    if (!voice) return;
    if (this.#plans.has(plan.turnId)) {
      if (!hold) voice.release(plan.turnId);
      return;
    }
    this.#plans.set(plan.turnId, plan);
    if (plan.line) return voice.say(plan.turnId, plan.line.text, hold);
    const chatCtx = this.transcript.chatContextFor(characterId);
    const last = this.transcript.lines.at(-1);
    // A reply prepared while the previous speaker still talks answers text not yet in the transcript.
    if (plan.replyTo && (last?.speaker !== plan.replyTo.speaker || last.text !== plan.replyTo.text))
      chatCtx.addMessage({ role: 'user', content: `${plan.replyTo.name}: ${plan.replyTo.text}` });
    const hints = [
      plan.topic
        ? topicInstructions(plan.topic)
        : plan.replyTo
          ? `Answer ${plan.replyTo.name}.`
          : 'Pick the conversation up with something new.',
      plan.relationship?.hint ?? '',
      (plan.replyTo && this.#asks.get(plan.replyTo.speaker)) ?? '',
    ];
    if (plan.replyTo) this.#asks.delete(plan.replyTo.speaker);
    voice.reply(plan.turnId, chatCtx, hints.filter(Boolean).join(' '), hold);
  }
}
