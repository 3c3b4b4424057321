import { type llm, stt, type VAD, voice } from '@livekit/agents';
import type { Room } from '@livekit/rtc-node';
import type { Logger } from '../../logger.ts';
import { MeteredVAD } from './metered-vad.ts';

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
  /** Speech heard so far in the current segment, in audio time (the VAD's count), as it is heard. */
  speaking(identity: string, spokenMs: number): void;
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
    let spokenMs = 0;
    // Only the session's own speech detection is metered. The framework would cut utterances for a
    // non-streaming STT (pocketsphinx) with a second stream of the session's VAD: that one is given
    // the plain VAD here, so that each person is metered once.
    const vad = new MeteredVAD(models.vad, (ms) => {
      spokenMs = ms;
      events.speaking(person.identity, ms);
    });
    this.session = new voice.AgentSession({
      vad,
      stt: models.stt.capabilities.streaming ? models.stt : new stt.StreamAdapter(models.stt, models.vad),
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
        // Far apart, these say the VAD ran behind real time (a loaded machine).
        this.#log.debug({ spokenMs, sinceStartMs: at - (this.#speakingSince ?? at) }, 'speech segment ended');
        this.#speakingSince = null;
        this.#lastSpeechEnd = at;
        spokenMs = 0;
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
    await this.session.close().catch((err: Error) => this.#log.warn({ err }, 'listener close failed'));
  }
}
