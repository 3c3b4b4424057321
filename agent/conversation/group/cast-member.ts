import type { ReadableStream } from 'node:stream/web';
import { llm, type tts, voice } from '@livekit/agents';
import { ParticipantKind, Room } from '@livekit/rtc-node';
import type { Logger } from '../../logger.ts';
import type { Character } from '../../../protocol/index.ts';
import { type SentenceModerator, moderateSentences } from '../sentence-moderation.ts';
import { tappedLlmNode } from '../generation.ts';

/** What a character's reply became once it stopped: the heard part is all that counts. */
export interface ReplyOutcome {
  turnId: string;
  /** What the LLM generated, whether or not all of it was played. */
  text: string;
  /** What the listeners heard (the whole text unless interrupted). */
  heardText: string;
  interrupted: boolean;
  /** The framework's message for the reply, when one was added (carries timings and metrics). */
  message: llm.ChatMessage | undefined;
  /** Epoch ms of the reply's first audible frame, if it became audible. */
  startedAt: number | null;
  /** Epoch ms at which it stopped being audible. */
  endedAt: number;
}

export interface CastMemberEvents {
  /** The reply's whole text is known (its LLM finished), before or while it plays. */
  replyReady(turnId: string, text: string): void;
  /** The reply's first frame is being played. */
  speechStarted(turnId: string, at: number): void;
  /** The reply ended, played out or interrupted. */
  replyEnded(outcome: ReplyOutcome): void;
}

/** A character voiced by the group job: persona as instructions, its text captured as it streams. */
class CastAgent extends voice.Agent {
  onGeneration: (text: string) => void = () => undefined;
  lastGeneration = '';
  /** Moderation of what the character says (broadcasts), sentence by sentence, before TTS. */
  moderate:
    ((stream: ReadableStream<llm.ChatChunk | string>) => ReadableStream<llm.ChatChunk | string>) | undefined;

  override async llmNode(
    chatCtx: llm.ChatContext,
    toolCtx: llm.ToolContext,
    modelSettings: voice.ModelSettings,
  ): Promise<ReadableStream<llm.ChatChunk | string> | null> {
    return tappedLlmNode(
      this,
      chatCtx,
      toolCtx,
      modelSettings,
      {
        onDone: (text) => {
          this.lastGeneration = text.trim();
          this.onGeneration(this.lastGeneration);
        },
      },
      this.moderate,
    );
  }
}

interface PendingReply {
  turnId: string;
  handle: voice.SpeechHandle;
  text: string;
  startedAt: number | null;
  /** A scripted line's message: `say` puts it in the chat context, not on its handle. */
  said?: llm.ChatMessage;
}

/**
 * One character of a group call: its own participant in the room (own identity, own audio track,
 * own synchronised transcription), driven from outside by the floor. Its session has no audio
 * input: characters never listen to each other; the group transcript tells them what was said.
 */
export class CastMember {
  readonly character: Character;
  readonly room = new Room();
  readonly session: voice.AgentSession;
  readonly #agent: CastAgent;
  readonly #llm: llm.LLM;
  readonly #instructions: string;
  readonly #log: Logger;
  readonly #events: CastMemberEvents;
  #reply: PendingReply | null = null;

  constructor(
    character: Character,
    models: { llm: llm.LLM; tts: tts.TTS },
    instructions: string,
    events: CastMemberEvents,
    logger: Logger,
    /** Sentence by sentence moderation of what the character says (broadcasts). */
    moderate?: SentenceModerator,
  ) {
    this.character = character;
    this.#events = events;
    this.#log = logger.child({ character: character.id });
    this.#agent = new CastAgent({ instructions });
    this.#llm = models.llm;
    this.#instructions = instructions;
    if (moderate) this.#agent.moderate = (stream) => moderateSentences(stream, moderate);
    this.session = new voice.AgentSession({
      llm: models.llm,
      tts: models.tts,
      // Nothing to detect: the floor decides every turn. Interruptions stay on (interrupt() needs them).
      turnHandling: { turnDetection: 'manual', interruption: { mode: 'vad' } },
    });
    this.#agent.onGeneration = (text) => {
      const reply = this.#reply;
      if (!reply) return;
      reply.text = text;
      this.#events.replyReady(reply.turnId, text);
    };
    this.session.on(voice.AgentSessionEventTypes.AgentStateChanged, (ev) => {
      const reply = this.#reply;
      if (ev.newState !== 'speaking' || !reply || reply.startedAt !== null) return;
      reply.startedAt = Date.now();
      this.#events.speechStarted(reply.turnId, reply.startedAt);
    });
    this.session.on(voice.AgentSessionEventTypes.ConversationItemAdded, (ev) => {
      // Only once the line is audible: the one it replaced adds its message before it starts.
      const reply = this.#reply;
      if (reply?.startedAt != null && ev.item.type === 'message' && ev.item.role === 'assistant')
        reply.said = ev.item;
    });
  }

  /**
   * Joins the room as the character's own participant and starts its output-only session.
   * `anchor` is a participant that stays for the whole call (the job's own): RoomIO publishes the
   * character's track only once it has linked to someone, and a broadcast may have no person in
   * the room at all.
   */
  async start(url: string, token: string, anchor: string): Promise<void> {
    await this.room.connect(url, token, { autoSubscribe: false, dynacast: false });
    await this.session.start({
      agent: this.#agent,
      room: this.room,
      inputOptions: {
        audioEnabled: false,
        textEnabled: false,
        closeOnDisconnect: false,
        participantIdentity: anchor,
        participantKinds: [ParticipantKind.AGENT, ParticipantKind.STANDARD],
      },
      outputOptions: { audioEnabled: true, transcriptionEnabled: true },
    });
  }

  /** Starts generating a reply; with `hold` its audio waits until `speak` for the same turn. */
  reply(turnId: string, chatCtx: llm.ChatContext, instructions: string, hold: boolean): void {
    if (this.#reply?.turnId === turnId) {
      if (!hold) this.session.resumeReplyAuthorization();
      return;
    }
    this.#dropReply();
    if (hold) this.session.pauseReplyAuthorization();
    else this.session.resumeReplyAuthorization();
    const handle = this.session.generateReply({
      chatCtx,
      // Non-empty, or the framework leaves the agent's own instructions out of a given chatCtx.
      instructions: instructions || ' ',
      allowInterruptions: true,
    });
    const reply: PendingReply = { turnId, handle, text: '', startedAt: null };
    this.#reply = reply;
    void this.#follow(reply);
  }

  /** Says `text` word for word as turn `turnId` (a scripted line); with `hold` it waits like a reply. */
  say(turnId: string, text: string, hold: boolean): void {
    if (this.#reply?.turnId === turnId) {
      if (!hold) this.session.resumeReplyAuthorization();
      return;
    }
    this.#dropReply();
    if (hold) this.session.pauseReplyAuthorization();
    else this.session.resumeReplyAuthorization();
    const handle = this.session.say(text, { allowInterruptions: true, addToChatCtx: true });
    const reply: PendingReply = { turnId, handle, text, startedAt: null };
    this.#reply = reply;
    void this.#follow(reply);
  }

  /**
   * The character's answer to `prompt` in its own words (its LLM, its persona), without saying it:
   * `chatCtx` is the conversation so far from its seat.
   */
  async compose(chatCtx: llm.ChatContext, prompt: string, signal: AbortSignal): Promise<string> {
    const ctx = chatCtx.copy();
    ctx.insert(llm.ChatMessage.create({ role: 'system', content: this.#instructions, createdAt: 0 }));
    ctx.addMessage({ role: 'user', content: `Show producer: ${prompt}` });
    const stream = this.#llm.chat({ chatCtx: ctx });
    const abort = () => stream.close();
    signal.addEventListener('abort', abort, { once: true });
    let text = '';
    try {
      for await (const chunk of stream) text += chunk.delta?.content ?? '';
    } finally {
      signal.removeEventListener('abort', abort);
    }
    if (signal.aborted) throw new Error('composing aborted');
    return text.trim();
  }

  /** Lets a held reply play (the floor is free). */
  release(turnId: string): void {
    if (this.#reply?.turnId === turnId) this.session.resumeReplyAuthorization();
  }

  /** Keeps a reply that has not started playing from starting (a person began to talk). */
  hold(turnId: string): void {
    if (this.#reply?.turnId === turnId && this.#reply.startedAt === null)
      this.session.pauseReplyAuthorization();
  }

  /** Drops a reply that never played. */
  cancel(turnId: string): void {
    if (this.#reply?.turnId === turnId) this.#dropReply();
  }

  /** Stops the character now, thinking or speaking; only what was heard is kept. */
  interrupt(): void {
    this.#dropReply();
  }

  async close(): Promise<void> {
    this.#dropReply();
    await this.session.close().catch((err: Error) => this.#log.warn({ err }, 'cast session close failed'));
    await this.room.disconnect().catch(() => undefined);
  }

  #dropReply(): void {
    const reply = this.#reply;
    if (!reply) return;
    if (!reply.handle.interrupted && !reply.handle.done()) reply.handle.interrupt(true);
    // A paused queue would keep the interrupted handle (and everything after it) waiting.
    this.session.resumeReplyAuthorization();
  }

  async #follow(reply: PendingReply): Promise<void> {
    try {
      await reply.handle.waitForPlayout();
    } catch (err) {
      this.#log.debug({ err }, 'reply playout wait ended early');
    }
    if (this.#reply === reply) this.#reply = null;
    const message =
      [...reply.handle.chatItems]
        .reverse()
        .find((i): i is llm.ChatMessage => i.type === 'message' && i.role === 'assistant') ?? reply.said;
    const heard = (message?.textContent ?? '').trim();
    const interrupted = reply.handle.interrupted;
    this.#events.replyEnded({
      turnId: reply.turnId,
      text: reply.text || this.#agent.lastGeneration || heard,
      heardText: interrupted ? heard : reply.text || heard,
      interrupted,
      message,
      startedAt: reply.startedAt,
      endedAt: Date.now(),
    });
  }
}
