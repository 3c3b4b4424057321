import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  AgentServer,
  type JobContext,
  type JobProcess,
  ServerOptions,
  type VAD,
  defineAgent,
  initializeLogger,
  voice,
} from '@livekit/agents';
import * as openai from '@livekit/agents-plugin-openai';
import * as silero from '@livekit/agents-plugin-silero';

// The baseline of bench:latency: a minimal LiveKit agent with none of Troupe's code, a plain
// voice.AgentSession on the same providers and turn-taking settings as the Troupe worker.

export const STOCK_AGENT_NAME = 'stock-bench';
const env = (name: string, fallback: string) => process.env[name] ?? fallback;

export default defineAgent({
  prewarm: async (proc: JobProcess) => {
    proc.userData.vad = await silero.VAD.load({
      minSilenceDuration: Number(env('VAD_MIN_SILENCE_MS', '300')),
    });
  },
  entry: async (ctx: JobContext) => {
    const baseURL = env('OPENAI_BASE_URL', 'http://127.0.0.1:1/v1');
    const apiKey = 'fake';
    const session = new voice.AgentSession({
      vad: ctx.proc.userData.vad as VAD,
      stt: new openai.STT({ baseURL, apiKey, useRealtime: false, language: 'en' }),
      llm: new openai.LLM({ baseURL, apiKey, model: 'gpt-4.1-mini' }),
      tts: new openai.TTS({ baseURL, apiKey }),
      turnHandling: {
        turnDetection: 'vad',
        endpointing: { minDelay: Number(env('ENDPOINTING_MIN_DELAY_MS', '500')) },
        interruption: { mode: 'vad' },
      },
    });
    await ctx.connect();
    await session.start({
      agent: new voice.Agent({ instructions: 'You are a helpful assistant.' }),
      room: ctx.room,
    });
  },
});

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  initializeLogger({ pretty: false, level: 'info' });
  await new AgentServer(
    new ServerOptions({
      agent: fileURLToPath(import.meta.url),
      agentName: STOCK_AGENT_NAME,
      wsURL: env('LIVEKIT_URL', 'ws://127.0.0.1:7880'),
      apiKey: env('LIVEKIT_API_KEY', 'devkey'),
      apiSecret: env('LIVEKIT_API_SECRET', 'secret'),
      host: '127.0.0.1',
      port: Number(env('AGENT_HTTP_PORT', '8082')),
      numIdleProcesses: 1,
      production: true,
    }),
  ).run();
}
