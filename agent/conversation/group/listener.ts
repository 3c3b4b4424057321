import { type llm, type stt, type VAD, voice } from '@livekit/agents';
import type { Room } from '@livekit/rtc-node';
import type { Logger } from '../../providers/offline/tools.ts';

/** A person's finished utterance, attributed to them. */
export interface HeardUtterance {
  identity: string;
  name: string;
  text: string;
  /** Epoch ms of the first and last speech the VAD heard in it. */
  startedAt: number;
  endedAt: number;
}

export interface ListenerEvents {
  speechStarted(identity: string, at: number): void;
  speechStopped(identity: string, at: number): void;
  utterance(u: HeardUtterance): void;
}

export interface ListenerOptions {
  /** Silence after speech before the utterance is final. @defaultValue 500 */
  endpointingMinDelayMs: number;
  /** @defaultValue 3000 */
  endpointingMaxDelayMs: number;
}

export const defaultListenerOptions: ListenerOptions = {
  endpointingMinDelayMs: 500,
  endpointingMaxDelayMs: 3000,
};

/** Hands each finished user turn to the group instead of answering it. */
class ListeningAgent extends voice.Agent {
  constructor(private readonly onTurn: (text: string) => void) {
    super({ instructions: 'You only listen.' });
  }

  override async onUserTurnCompleted(_chatCtx: llm.ChatContext, msg: llm.ChatMessage): Promise<void> {
    const text = (msg.textContent ?? '').trim();
    if (text) this.onTurn(text);
    throw new voice.StopResponse();
  }
}

/**
 * Transcribes one person in a group room on its own: a listen-only session (VAD, STT, turn
 * detection; no LLM, no audio out) linked to that person's microphone. Their transcription is
 * published in the room tagged with their identity, so every client can attribute it.
 */
export class HumanListener {
  readonly identity: string;
  readonly session: voice.AgentSession;
  readonly #roomIO: voice.RoomIO;
  readonly #log: Logger;
  #speakingSince: number | null = null;
  #lastSpeechEnd = 0;

  constructor(
    room: Room,
    person: { identity: string; name: string },
    models: { vad: VAD; stt: stt.STT },
    events: ListenerEvents,
    logger: Logger,
    opts: Partial<ListenerOptions> = {},
  ) {
    const o = { ...defaultListenerOptions, ...opts };
    this.identity = person.identity;
    this.#log = logger.child({ pii: { identity: person.identity } });
    this.session = new voice.AgentSession({
      vad: models.vad,
      stt: models.stt,
      turnHandling: {
        turnDetection: 'vad',
        endpointing: { minDelay: o.endpointingMinDelayMs, maxDelay: o.endpointingMaxDelayMs },
        // Barge-in over characters is the floor's call, not this session's: it has no output.
        interruption: { mode: 'vad' },
      },
    });
    let utteranceStart: number | null = null;
    this.session.on(voice.AgentSessionEventTypes.UserStateChanged, (ev) => {
      const at = Date.now();
      if (ev.newState === 'speaking') {
        this.#speakingSince = at;
        utteranceStart ??= at;
        events.speechStarted(person.identity, at);
      } else if (ev.oldState === 'speaking') {
        this.#speakingSince = null;
        this.#lastSpeechEnd = at;
        events.speechStopped(person.identity, at);
      }
    });
    const agent = new ListeningAgent((text) => {
      const startedAt = utteranceStart ?? this.#lastSpeechEnd;
      utteranceStart = this.#speakingSince;
      events.utterance({
        identity: person.identity,
        name: person.name,
        text,
        startedAt,
        endedAt: this.#lastSpeechEnd || Date.now(),
      });
    });
    // Started on its own RoomIO: a second session.start({room}) on one Room throws (agents-js#1927).
    this.#roomIO = new voice.RoomIO({
      agentSession: this.session,
      room,
      participant: person.identity,
      inputOptions: { audioEnabled: true, textEnabled: false, closeOnDisconnect: false },
      outputOptions: { audioEnabled: false, transcriptionEnabled: true },
    });
    this.#agentToStart = agent;
  }

  readonly #agentToStart: voice.Agent;

  async start(): Promise<void> {
    this.#roomIO.start();
    await this.session.start({ agent: this.#agentToStart });
  }

  async close(): Promise<void> {
    await this.#roomIO.close().catch(() => undefined);
    await this.session
      .close()
      .catch((err: Error) => this.#log.warn({ err: err.message }, 'listener close failed'));
  }
}
