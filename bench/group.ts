import { dispose } from '@livekit/rtc-node';
import { AccessToken } from 'livekit-server-sdk';
import { initializeLogger, log } from '@livekit/agents';
import * as silero from '@livekit/agents-plugin-silero';
import { loadAgentOptions } from '../agent/config.ts';
import { CastMember } from '../agent/conversation/group/cast-member.ts';
import { GroupConversation } from '../agent/conversation/group/conversation.ts';
import { FloorController } from '../agent/conversation/group/floor.ts';
import { groupInstructions } from '../agent/conversation/group/transcript.ts';
import { buildProviders } from '../speech/index.ts';
import { builtInCharacters } from '../db/seed/companions.ts';
import { type FloorMessage, characterIdentity } from '../protocol/index.ts';
import { startLivekitServer } from '../scripts/livekit-server.ts';
import { SPEECH_RMS } from '../test/support/audio.ts';
import { startFakeOpenAI } from '../test/support/fake-openai.ts';
import { GroupParticipant } from '../test/support/group-rtc.ts';
import { runBench } from './run.ts';

// bench:group — the hand-over gap between two characters of a group call on the real local
// livekit-server, with zero-latency model fakes at the wire (a local OpenAI-compatible stand-in):
// from the last audible frame of the first character to the first audible frame of the one who
// answers it, as a listener in the room receives them. Each round a person names the first
// character; the floor (chain cap 1) then has the second answer the first. Rounds alternate
// between preparing the next speaker while the current one talks and starting it only after.

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const ROUND_TIMEOUT_MS = 20_000;
/** A frame this quiet or quieter is not speech (the fake TTS's tone has a soft envelope). */
const AUDIBLE = SPEECH_RMS;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? NaN;
}

async function token(
  url: { apiKey: string; apiSecret: string },
  room: string,
  identity: string,
  kind?: 'agent',
) {
  const at = new AccessToken(url.apiKey, url.apiSecret, { identity, name: identity });
  if (kind) at.kind = kind;
  at.addGrant({ roomJoin: true, room, canPublish: true, canSubscribe: true, canPublishData: true });
  return at.toJwt();
}

async function main(): Promise<void> {
  initializeLogger({ pretty: false, level: 'warn' });
  const livekit = await startLivekitServer({ stdio: 'ignore' });
  const fake = await startFakeOpenAI({ reply: 'Well, I would say that depends on the weather.' });
  const providerOptions = loadAgentOptions({
    OPENAI_BASE_URL: fake.baseURL,
    OPENAI_API_KEY: 'fake',
  }).providers;
  const [first, second] = builtInCharacters.filter((c) => c.id === 'walt' || c.id === 'june');
  if (!first || !second) throw new Error('the built-in characters walt and june are missing');
  const cast = [first, second];
  // Only for the providers' STT fallback chain, which the bench never uses: its people speak as text.
  const vad = await silero.VAD.load();
  const gapsByMode: Record<'prepared' | 'sequential', number[]> = { prepared: [], sequential: [] };
  const logger = log();

  try {
    for (const mode of ['prepared', 'sequential'] as const) {
      // One room per mode, so that nothing of one mode's replies can leak into the other's figures.
      const room = `bench-group-${mode}`;
      const listener = new GroupParticipant();
      await listener.join(livekit.url, await token(livekit, room, 'listener'));
      const floor = new FloorController(
        cast.map((c) => ({ id: c.id, name: c.name, talkativeness: c.talkativeness })),
        { chainCap: 1, chainProbability: 1 },
      );
      const published: FloorMessage[] = [];
      let onPublish: (() => void) | undefined;
      const members = cast.map(
        (c) =>
          new CastMember(
            c,
            buildProviders(c, providerOptions, vad),
            groupInstructions(c, cast),
            {
              replyReady: (turnId, text) => conversation.replyReady(c.id, turnId, text),
              speechStarted: (turnId, at) => conversation.speechStarted(c.id, turnId, at),
              replyEnded: (outcome) => conversation.replyEnded(c, outcome),
            },
            logger,
          ),
      );
      const conversation = new GroupConversation(
        floor,
        members,
        {
          turn: () => undefined,
          publish: (m) => {
            published.push(m);
            onPublish?.();
          },
        },
        { prepareNext: mode === 'prepared' },
      );
      // The listener stays for the whole run: each character's track is published once it links to it.
      for (const m of members)
        await m.start(
          livekit.url,
          await token(livekit, room, characterIdentity(m.character.id), 'agent'),
          'listener',
        );

      const a = listener.logOf(characterIdentity(first.id));
      const b = listener.logOf(characterIdentity(second.id));
      for (let round = 0; round < ROUNDS; round++) {
        const since = Date.now();
        const from = published.length;
        const open = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`round ${round} (${mode}) did not end`)),
            ROUND_TIMEOUT_MS,
          );
          onPublish = () => {
            const seen = published.slice(from);
            if (seen.some((m) => m.speaker === second.id) && seen.at(-1)?.state === 'open') {
              clearTimeout(timer);
              resolve();
            }
          };
        });
        conversation.utterance({
          identity: 'bench',
          name: 'Bench',
          text: `${first.name.split(' ')[0]}, what do you think?`,
          startedAt: since,
          endedAt: since,
        });
        await open;
        // The floor is open once the second reply has played; its last frames may still be in flight.
        const bStart = await b.firstSpeechAfter(since);
        const aLast = a.frames.filter((f) => f.at >= since && f.at <= bStart.at && f.level > AUDIBLE).at(-1);
        if (!aLast) throw new Error(`round ${round} (${mode}): the first character was not heard`);
        gapsByMode[mode].push(bStart.at - aLast.at);
        await b.waitFor((f) => f.at > bStart.at && f.level <= AUDIBLE);
      }
      await Promise.all(members.map((m) => m.close()));
      floor.close();
      await listener.leave();
    }
  } finally {
    await fake.close();
    await livekit.stop();
    await dispose();
  }

  const row = (name: string, v: number[]) =>
    `${name.padEnd(34)} ${percentile(v, 50).toFixed(0).padStart(6)} ${percentile(v, 95).toFixed(0).padStart(6)} ${Math.max(
      ...v,
    )
      .toFixed(0)
      .padStart(6)}`;
  const prepared = gapsByMode.prepared;
  const sequential = gapsByMode.sequential;
  process.stdout.write(
    [
      `bench:group — hand-over gap, last audible frame of A → first of B at a listener (ms), ${ROUNDS} rounds each`,
      `${''.padEnd(34)} ${'p50'.padStart(6)} ${'p95'.padStart(6)} ${'max'.padStart(6)}`,
      row('next speaker prepared (Troupe)', prepared),
      row('started after A ends (baseline)', sequential),
      `saved at p50: ${(percentile(sequential, 50) - percentile(prepared, 50)).toFixed(0)} ms`,
      `target p50 ≤ 150 ms beyond model time (models here take ~0 ms): ${percentile(prepared, 50) <= 150 ? 'met' : 'NOT met'}`,
      '',
    ].join('\n'),
  );
}

runBench('bench:group', main);
