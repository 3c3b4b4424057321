import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { AccessToken, RoomAgentDispatch, RoomConfiguration } from 'livekit-server-sdk';
import { dispose } from '@livekit/rtc-node';
import { SessionDetail } from '../protocol/index.ts';
import { freeTcpPort, killOnExit, projectRoot, stopChild } from '../scripts/livekit-server.ts';
import { SPEECH_RMS, speak } from '../test/support/audio.ts';
import { signUp } from '../test/support/auth.ts';
import { startFakeOpenAI } from '../test/support/fake-openai.ts';
import { TestCaller } from '../test/support/rtc.ts';
import { createCallSession } from '../test/support/sessions.ts';
import { buildAgent } from '../scripts/build-agent.ts';
import { startStack } from '../test/support/stack.ts';
import { STOCK_AGENT_NAME } from './stock-agent.ts';
import { runBench } from './run.ts';

// bench:latency — voice-to-voice on the real local livekit-server with instant providers (a local
// OpenAI-compatible stand-in): end of the caller's speech, known from the audio, to the first
// non-silent frame of the reply the caller receives. Troupe's worker and a stock minimal agent
// take turns, so both see the same machine load.

const TURNS = Number(process.env.BENCH_TURNS ?? 50);
const ENDPOINTING_MIN_DELAY_MS = 500;
const VAD_MIN_SILENCE_MS = 300;
const TURN_TIMEOUT_MS = 20_000;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? NaN;
}

/** Milliseconds of trailing quiet in a clip: the end of speech is that long before the clip ends. */
function trailingQuietMs(pcm: Int16Array, sampleRate: number): number {
  let last = pcm.length - 1;
  while (last > 0 && Math.abs(pcm[last]!) / 32768 < SPEECH_RMS) last--;
  return ((pcm.length - 1 - last) / sampleRate) * 1000;
}

async function turn(caller: TestCaller, clip: Int16Array, tailMs: number): Promise<number> {
  const played = await caller.say(clip);
  const endOfSpeech = played - tailMs;
  const reply = await Promise.race([
    caller.heard.firstSpeechAfter(endOfSpeech),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no reply')), TURN_TIMEOUT_MS)),
  ]);
  await caller.agentState('speaking');
  await caller.agentState('listening');
  return reply.at - endOfSpeech;
}

async function main(): Promise<void> {
  const fake = await startFakeOpenAI({
    transcript: 'what do you think about that',
    reply: 'I think it is lovely.',
  });
  await buildAgent();
  const stack = await startStack({
    database: 'pglite',
    agentEnv: {
      OPENAI_BASE_URL: fake.baseURL,
      OPENAI_API_KEY: 'fake',
      ENDPOINTING_MIN_DELAY_MS: String(ENDPOINTING_MIN_DELAY_MS),
      VAD_MIN_SILENCE_MS: String(VAD_MIN_SILENCE_MS),
      LOG_LEVEL: 'info',
    },
  });
  const stockLog: string[] = [];
  const stock = spawn(process.execPath, ['--import', 'tsx', 'bench/stock-agent.ts'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      LIVEKIT_URL: stack.livekit.url,
      LIVEKIT_API_KEY: stack.livekit.apiKey,
      LIVEKIT_API_SECRET: stack.livekit.apiSecret,
      OPENAI_BASE_URL: fake.baseURL,
      ENDPOINTING_MIN_DELAY_MS: String(ENDPOINTING_MIN_DELAY_MS),
      VAD_MIN_SILENCE_MS: String(VAD_MIN_SILENCE_MS),
      AGENT_HTTP_PORT: String(await freeTcpPort()),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(stock);
  await new Promise<void>((resolve, reject) => {
    for (const s of [stock.stdout!, stock.stderr!]) {
      createInterface({ input: s }).on('line', (l) => {
        stockLog.push(l);
        if (l.includes('registered worker')) resolve();
      });
    }
    stock.once('exit', (c) => reject(new Error(`stock agent exited (${c}):\n${stockLog.join('\n')}`)));
  });

  try {
    const owner = await signUp(stack.api.url);
    const ours = await createCallSession(stack.api.url, owner, 'marigold');
    const at = new AccessToken(stack.livekit.apiKey, stack.livekit.apiSecret, {
      identity: 'bench-stock-caller',
    });
    at.addGrant({ roomJoin: true, room: 'bench-stock', canPublish: true, canSubscribe: true });
    at.roomConfig = new RoomConfiguration({
      agents: [new RoomAgentDispatch({ agentName: STOCK_AGENT_NAME })],
    });

    const oursCaller = new TestCaller();
    const stockCaller = new TestCaller();
    await oursCaller.join(ours.url, ours.token);
    await stockCaller.join(stack.livekit.url, await at.toJwt());
    await oursCaller.heard.firstSpeechAfter(0);
    await oursCaller.agentState('listening');
    await stockCaller.agentState('listening');

    const clip = await speak('what do you think about that');
    const tailMs = trailingQuietMs(clip, 48_000);
    const results = { ours: [] as number[], stock: [] as number[] };
    process.stdout.write(`bench:latency ${TURNS} turns each, interleaved\n`);
    for (let i = 0; i < TURNS; i++) {
      results.ours.push(await turn(oursCaller, clip, tailMs));
      results.stock.push(await turn(stockCaller, clip, tailMs));
      if ((i + 1) % 10 === 0) process.stdout.write(`  ${i + 1}/${TURNS}\n`);
    }
    await oursCaller.leave();
    await stockCaller.leave();
    // The framework's own voice-to-voice for Troupe's turns, as stored: from the VAD's end-of-speech
    // estimate to the first reply frame handed to the room, so without VAD lag and transport.
    const stored = SessionDetail.parse(
      await (
        await fetch(`${stack.api.url}/api/sessions/${ours.sessionId}`, { headers: owner.headers })
      ).json(),
    ).transcript.flatMap((t) =>
      t.role === 'assistant' && t.metrics.voiceToVoiceMs !== null ? [t.metrics.voiceToVoiceMs] : [],
    );

    const row = (name: string, v: number[]) => {
      const p50 = percentile(v, 50);
      const p95 = percentile(v, 95);
      return `| ${name} | ${v.length} | ${p50.toFixed(0)} | ${p95.toFixed(0)} | ${(p50 - ENDPOINTING_MIN_DELAY_MS).toFixed(0)} | ${(p95 - ENDPOINTING_MIN_DELAY_MS).toFixed(0)} |`;
    };
    const lines = [
      '',
      `voice-to-voice, ms (endpointing minDelay ${ENDPOINTING_MIN_DELAY_MS}, VAD min silence ${VAD_MIN_SILENCE_MS}, instant providers)`,
      '| agent | turns | p50 | p95 | p50 − endpointing | p95 − endpointing |',
      '|---|---|---|---|---|---|',
      row('troupe', results.ours),
      row('stock AgentSession', results.stock),
      '',
      `troupe, agent-side (framework e2e metric, ${stored.length} turns): p50 ${percentile(stored, 50).toFixed(0)}, p95 ${percentile(stored, 95).toFixed(0)}`,
      `ratio troupe / stock: p50 ${(percentile(results.ours, 50) / percentile(results.stock, 50)).toFixed(3)}, p95 ${(percentile(results.ours, 95) / percentile(results.stock, 95)).toFixed(3)}`,
      `measured ${new Date().toISOString().slice(0, 10)}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await stopChild(stock, 10_000);
    await stack.stop();
    await fake.close();
    await dispose();
  }
}

runBench('bench:latency', main);
