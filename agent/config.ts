import { existsSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { z } from 'zod';
import { defaultProviderOptions, type ProviderOptions } from '../speech/options.ts';
import type { BroadcastModerationOptions } from './broadcast/speech-moderation.ts';
import type { TurnTakingOptions } from './conversation/session.ts';

/**
 * Calls one worker takes by default: 6 per core (an offline call costs 8–15 % of a core, a group
 * call more) and no more than 60 % of the memory at ≈ 300 MB per job process. 12 on 2 cores / 24 GB.
 */
export function defaultMaxJobs(cores = availableParallelism(), memoryBytes = totalmem()): number {
  return Math.max(1, Math.min(cores * 6, Math.floor((memoryBytes * 0.6) / (300 * 1024 ** 2))));
}

/**
 * Job processes started ahead of demand by default: three per core, at most half the jobs and a
 * tenth of the memory at ≈ 200 MB each, at least one. The framework starts them one after another
 * (≈ 0.6 s each), so calls that arrive together beyond this number wait for one to start: six on
 * 2 cores lets six calls arrive at once and each find a process ready.
 */
export function defaultIdleProcesses(
  cores = availableParallelism(),
  maxJobs = defaultMaxJobs(cores),
  memoryBytes = totalmem(),
): number {
  const byMemory = Math.floor((memoryBytes * 0.1) / (200 * 1024 ** 2));
  return Math.max(1, Math.min(cores * 3, Math.ceil(maxJobs / 2), byMemory));
}

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();
const int = (def: number, min = 0, max = 600_000) => z.coerce.number().int().min(min).max(max).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

/**
 * Every environment variable of the agent worker, validated once at start-up. Only this file reads
 * these names: the rest of the agent takes {@link AgentOptions}.
 */
export const AgentEnvSchema = z.object({
  /** LiveKit server the worker registers with. @defaultValue ws://127.0.0.1:7880 */
  LIVEKIT_URL: z.string().url().default('ws://127.0.0.1:7880'),
  /** @defaultValue devkey */
  LIVEKIT_API_KEY: z.string().min(1).default('devkey'),
  /** @defaultValue secret */
  LIVEKIT_API_SECRET: z.string().min(1).default('secret'),
  /** Base URL of the Troupe API the agent reports turns to. @defaultValue http://127.0.0.1:3000 */
  API_URL: z.string().url().default('http://127.0.0.1:3000'),
  /** Enables OpenAI for STT, LLM and TTS (or an OpenAI-compatible server via the base URLs). */
  OPENAI_API_KEY: optionalString,
  /** Base URL for all three OpenAI-compatible stages; the per-stage URLs below override it. */
  OPENAI_BASE_URL: optionalString,
  /** OpenAI-compatible chat server (e.g. Ollama `http://127.0.0.1:11434/v1`, vLLM). */
  LLM_BASE_URL: optionalString,
  LLM_API_KEY: optionalString,
  /** @defaultValue gpt-4.1-mini */
  LLM_MODEL: z.string().min(1).default(defaultProviderOptions.llm.model),
  /** OpenAI-compatible transcription server (e.g. speaches). */
  STT_BASE_URL: optionalString,
  STT_API_KEY: optionalString,
  /** @defaultValue gpt-4o-mini-transcribe */
  STT_MODEL: z.string().min(1).default(defaultProviderOptions.stt.model),
  /** OpenAI-compatible speech server (e.g. Kokoro-FastAPI). */
  TTS_BASE_URL: optionalString,
  TTS_API_KEY: optionalString,
  /** @defaultValue gpt-4o-mini-tts */
  TTS_MODEL: z.string().min(1).default(defaultProviderOptions.tts.model),
  /** Enables ElevenLabs TTS for characters that have an ElevenLabs voice. */
  ELEVENLABS_API_KEY: optionalString,
  ELEVENLABS_BASE_URL: optionalString,
  /** @defaultValue eleven_flash_v2_5 */
  ELEVENLABS_MODEL: z.string().min(1).default(defaultProviderOptions.elevenlabs.model),
  /** Sentences the offline STT should recognise exactly, separated by `|` (pocketsphinx phrase
   *  grammar, with free dictation for anything else): names and stock questions of a demo. */
  OFFLINE_STT_PHRASES: optionalString,
  /** Group calls: a character who was not named speaks up after this much silence; unset: never.
   *  Overrides the session's `pickupAfterMs`. */
  GROUP_PICKUP_AFTER_MS: z.coerce.number().int().min(1000).max(600_000).optional(),
  /** Twitch chat over IRC-on-WebSocket (tmi.js); point it elsewhere to use another IRC gateway.
   *  @defaultValue irc-ws.chat.twitch.tv */
  TWITCH_IRC_HOST: z.string().min(1).default('irc-ws.chat.twitch.tv'),
  /** @defaultValue 443 */
  TWITCH_IRC_PORT: int(443, 1, 65_535),
  /** @defaultValue true */
  TWITCH_IRC_SECURE: bool(true),
  /** The Twitch login the characters answer chat with (the broadcast's OAuth token must be its own). */
  TWITCH_USERNAME: optionalString,
  /** Broadcasts: words and phrases (comma-separated; `/…/` for a pattern) kept out of chat coming in
   *  and of the characters' speech going out; links are always kept out. */
  CHAT_BLOCKLIST: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((w) => w.trim())
        .filter(Boolean),
    ),
  /** Broadcasts: also keep a maintained English word list (obscenity's English dataset) out of chat
   *  coming in and of the characters' speech going out; CHAT_BLOCKLIST adds to it. `false` leaves
   *  only CHAT_BLOCKLIST. @defaultValue true */
  CHAT_PROFANITY_FILTER: bool(true),
  /** Broadcasts: an OpenAI-compatible `/moderations` endpoint (base URL ending in `/v1`) checking
   *  chat and speech too; when it does not answer in time the text is held back. */
  MODERATION_BASE_URL: optionalString,
  MODERATION_API_KEY: optionalString,
  /** `vad`: end of turn after VAD silence + endpointing delay. `local-model`: LiveKit's local
   *  end-of-turn model (turn-detector-v1-mini) decides. Never the cloud. @defaultValue vad */
  TURN_DETECTION: z.enum(['vad', 'local-model']).default('vad'),
  /** Silence the VAD needs before it reports the end of speech. @defaultValue 300 */
  VAD_MIN_SILENCE_MS: int(300, 50, 5000),
  /** Minimum wait after end of speech before the turn is committed. @defaultValue 500 */
  ENDPOINTING_MIN_DELAY_MS: int(500, 0, 10_000),
  /** @defaultValue 3000 */
  ENDPOINTING_MAX_DELAY_MS: int(3000, 0, 30_000),
  /** Speech the caller must produce before the character is cut off. @defaultValue 400 */
  INTERRUPTION_MIN_DURATION_MS: int(400, 0, 5000),
  /** An interruption with no transcript after this long is false: the reply resumes. @defaultValue 2000 */
  FALSE_INTERRUPTION_TIMEOUT_MS: int(2000, 100, 30_000),
  /** @defaultValue true */
  PREEMPTIVE_GENERATION: bool(true),
  /** Barge-in is ignored for this long after the character starts speaking, while the caller's
   *  echo canceller converges; 0 disables. @defaultValue 3000 */
  AEC_WARMUP_MS: int(3000, 0, 10_000),
  /** Health server of the worker. @defaultValue 127.0.0.1 */
  AGENT_HTTP_HOST: z.string().default('127.0.0.1'),
  /** @defaultValue 8081 */
  AGENT_HTTP_PORT: int(8081, 1, 65_535),
  /** Job processes kept started ahead of demand (~200 MB each). @defaultValue defaultIdleProcesses() (6 on 2 cores) */
  AGENT_IDLE_PROCESSES: z.coerce.number().int().min(0).max(64).optional(),
  /** What the worker reports as its load, which livekit-server uses to pick a worker and the
   *  worker to refuse jobs: `jobs`, running jobs over AGENT_MAX_JOBS, or `cpu`, the machine's CPU
   *  use (the framework's), which a browser or a build on the same machine pushes over the
   *  threshold for seconds at a time — and livekit-server drops a dispatch that finds no available
   *  worker. @defaultValue jobs */
  AGENT_LOAD_MEASURE: z.enum(['cpu', 'jobs']).default('jobs'),
  /** The jobs at which the worker is full (with either measure). @defaultValue defaultMaxJobs() (12 on 2 cores) */
  AGENT_MAX_JOBS: z.coerce.number().int().min(1).max(1000).optional(),
  /** With AGENT_LOAD_MEASURE=cpu: the CPU load (0–1) at which the worker takes no new jobs.
   *  @defaultValue 0.7 (the framework's) */
  AGENT_LOAD_THRESHOLD: z.coerce.number().min(0.1).max(1).default(0.7),
  /** How long a job process may take to start (loading the VAD) before it is given up: on busy cores
   *  a start takes tens of seconds, and one given up starts over. @defaultValue 30000 */
  AGENT_INIT_TIMEOUT_MS: int(30_000, 1000, 120_000),
  /** Reports a finished job could not deliver wait here until the API is back. @defaultValue data/agent-spool */
  AGENT_SPOOL_DIR: z.string().min(1).default('data/agent-spool'),
  /** How long a turn waits for the character's knowledge before it goes on without it. @defaultValue 300 */
  KNOWLEDGE_TIMEOUT_MS: int(300, 50, 10_000),
  /** @defaultValue info */
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
});

export type AgentEnv = z.infer<typeof AgentEnvSchema>;

/** The LiveKit server the worker registers with and whose key signs the characters' tokens. */
export interface LiveKitOptions {
  /** @defaultValue ws://127.0.0.1:7880 */
  url: string;
  /** @defaultValue devkey */
  apiKey: string;
  /** Also the secret the agent's bearer token for the API is derived from. @defaultValue secret */
  apiSecret: string;
}

/** Twitch chat over IRC-on-WebSocket (tmi.js), for broadcasts. */
export interface TwitchOptions {
  /** @defaultValue irc-ws.chat.twitch.tv */
  ircHost: string;
  /** @defaultValue 443 */
  ircPort: number;
  /** @defaultValue true */
  ircSecure: boolean;
  /** The login the characters answer chat with (the broadcast's OAuth token must be its own);
   *  unset: chat is read anonymously. */
  username?: string;
}

/** How the worker registers and how full it lets itself get. */
export interface WorkerOptions {
  /** Health server host. @defaultValue 127.0.0.1 */
  httpHost: string;
  /** @defaultValue 8081 */
  httpPort: number;
  /** The jobs at which the worker is full (with either load measure). @defaultValue defaultMaxJobs() */
  maxJobs: number;
  /** Job processes kept started ahead of demand (~200 MB each). @defaultValue defaultIdleProcesses() */
  idleProcesses: number;
  /** `jobs`: running jobs over `maxJobs`; `cpu`: the machine's CPU use (the framework's), which a
   *  browser or a build on the same machine pushes over the threshold for seconds at a time.
   *  @defaultValue jobs */
  loadMeasure: 'cpu' | 'jobs';
  /** With `loadMeasure: 'cpu'`: the load (0–1) at which no new job is taken. @defaultValue 0.7 */
  loadThreshold: number;
  /** How long a job process may take to start (loading the VAD). @defaultValue 10000 */
  initTimeoutMs: number;
}

/** Every setting of the agent, typed and built once at start-up from the environment. */
export interface AgentOptions {
  livekit: LiveKitOptions;
  /** Base URL of the Troupe API: reports, transcripts, knowledge, broadcasts, avatars.
   *  @defaultValue http://127.0.0.1:3000 */
  apiUrl: string;
  /** The speech and language providers; the offline ones when nothing is configured. */
  providers: ProviderOptions;
  /** Turn-taking of a companion call; a group's listeners use its endpointing delays. */
  turnTaking: TurnTakingOptions;
  /** Silence the VAD needs before it reports the end of speech. @defaultValue 300 */
  vadMinSilenceMs: number;
  group: {
    /** A character who was not named speaks up after this much silence; overrides the
     *  session's `pickupAfterMs`. @defaultValue undefined (the session's) */
    pickupAfterMs?: number;
  };
  twitch: TwitchOptions;
  /** What broadcasts keep out of chat coming in and of the characters' speech going out. */
  moderation: BroadcastModerationOptions;
  worker: WorkerOptions;
  /** How long a turn waits for the character's knowledge before it goes on without it.
   *  @defaultValue 300 */
  knowledgeTimeoutMs: number;
  /** Reports a finished job could not deliver wait here until the API is back.
   *  @defaultValue data/agent-spool */
  spoolDir: string;
  /** @defaultValue info */
  logLevel: AgentEnv['LOG_LEVEL'];
}

/** The typed options of a validated environment. */
export function agentOptionsFrom(env: AgentEnv): AgentOptions {
  const maxJobs = env.AGENT_MAX_JOBS ?? defaultMaxJobs();
  return {
    livekit: { url: env.LIVEKIT_URL, apiKey: env.LIVEKIT_API_KEY, apiSecret: env.LIVEKIT_API_SECRET },
    apiUrl: env.API_URL,
    providers: providerOptionsFrom(env),
    turnTaking: {
      turnDetection: env.TURN_DETECTION,
      endpointingMinDelayMs: env.ENDPOINTING_MIN_DELAY_MS,
      endpointingMaxDelayMs: env.ENDPOINTING_MAX_DELAY_MS,
      interruptionMinDurationMs: env.INTERRUPTION_MIN_DURATION_MS,
      falseInterruptionTimeoutMs: env.FALSE_INTERRUPTION_TIMEOUT_MS,
      preemptiveGeneration: env.PREEMPTIVE_GENERATION,
      aecWarmupMs: env.AEC_WARMUP_MS === 0 ? null : env.AEC_WARMUP_MS,
    },
    vadMinSilenceMs: env.VAD_MIN_SILENCE_MS,
    group: env.GROUP_PICKUP_AFTER_MS !== undefined ? { pickupAfterMs: env.GROUP_PICKUP_AFTER_MS } : {},
    twitch: {
      ircHost: env.TWITCH_IRC_HOST,
      ircPort: env.TWITCH_IRC_PORT,
      ircSecure: env.TWITCH_IRC_SECURE,
      ...(env.TWITCH_USERNAME ? { username: env.TWITCH_USERNAME } : {}),
    },
    moderation: {
      blocklist: env.CHAT_BLOCKLIST,
      profanityFilter: env.CHAT_PROFANITY_FILTER,
      ...(env.MODERATION_BASE_URL
        ? {
            endpoint: {
              baseUrl: env.MODERATION_BASE_URL,
              ...(env.MODERATION_API_KEY ? { apiKey: env.MODERATION_API_KEY } : {}),
            },
          }
        : {}),
    },
    worker: {
      httpHost: env.AGENT_HTTP_HOST,
      httpPort: env.AGENT_HTTP_PORT,
      maxJobs,
      idleProcesses: env.AGENT_IDLE_PROCESSES ?? defaultIdleProcesses(undefined, maxJobs),
      loadMeasure: env.AGENT_LOAD_MEASURE,
      loadThreshold: env.AGENT_LOAD_THRESHOLD,
      initTimeoutMs: env.AGENT_INIT_TIMEOUT_MS,
    },
    knowledgeTimeoutMs: env.KNOWLEDGE_TIMEOUT_MS,
    spoolDir: env.AGENT_SPOOL_DIR,
    logLevel: env.LOG_LEVEL,
  };
}

function providerOptionsFrom(env: AgentEnv): ProviderOptions {
  return {
    openai: { apiKey: env.OPENAI_API_KEY, baseUrl: env.OPENAI_BASE_URL },
    stt: { baseUrl: env.STT_BASE_URL, apiKey: env.STT_API_KEY, model: env.STT_MODEL },
    llm: { baseUrl: env.LLM_BASE_URL, apiKey: env.LLM_API_KEY, model: env.LLM_MODEL },
    tts: { baseUrl: env.TTS_BASE_URL, apiKey: env.TTS_API_KEY, model: env.TTS_MODEL },
    elevenlabs: {
      apiKey: env.ELEVENLABS_API_KEY,
      baseUrl: env.ELEVENLABS_BASE_URL,
      model: env.ELEVENLABS_MODEL,
    },
    offline: {
      sttPhrases: (env.OFFLINE_STT_PHRASES ?? '')
        .split('|')
        .map((p) => p.trim())
        .filter(Boolean),
    },
  };
}

/** Parses the environment; throws an error that names every bad variable. */
export function loadAgentEnv(env: NodeJS.ProcessEnv = process.env): AgentEnv {
  // An empty variable (as in a copied .env.example) means "use the default".
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = AgentEnvSchema.safeParse(set);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid agent configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** The agent's options from an environment; throws an error that names every bad variable. */
export function loadAgentOptions(env: NodeJS.ProcessEnv = process.env): AgentOptions {
  return agentOptionsFrom(loadAgentEnv(env));
}

/** Loads `.env` from the working directory when present, then builds the options from the environment. */
export function loadAgentOptionsFromProcess(): AgentOptions {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return loadAgentOptions(process.env);
}
