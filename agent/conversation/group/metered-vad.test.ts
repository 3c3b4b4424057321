import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type VAD, type VADEvent, VADEventType, type VADStream, initializeLogger } from '@livekit/agents';
import * as silero from '@livekit/agents-plugin-silero';
import { framesOf, silenceFrame, speak } from '../../../test/support/audio.ts';
import { MeteredVAD } from './metered-vad.ts';

// A loaded machine's VAD fell behind and caught up on a whole barge-in at once: its start and end
// came a few ms apart, the floor took seconds of speech for a noise, and the character talked on.

const RATE = 16_000;
let vad: VAD;

beforeAll(async () => {
  initializeLogger({ pretty: false, level: 'warn' });
  vad = await silero.VAD.load({ minSilenceDuration: 300 });
});

afterAll(async () => {
  await vad.close();
});

/** All of `pcm` and then 600 ms of silence pushed at once, as a VAD that fell behind sees it. */
async function burst(stream: VADStream, pcm: Int16Array): Promise<VADEvent[]> {
  for (const frame of framesOf(pcm, RATE)) stream.pushFrame(frame);
  for (let i = 0; i < 60; i++) stream.pushFrame(silenceFrame(RATE));
  const events: VADEvent[] = [];
  for await (const ev of stream) {
    events.push(ev);
    if (ev.type === VADEventType.END_OF_SPEECH) break;
  }
  stream.close();
  return events;
}

describe('MeteredVAD', () => {
  it('when the VAD catches up on an utterance in one burst, then it reports the speech it heard in audio time and passes every event on', async () => {
    const pcm = await speak('sorry to interrupt but wait a moment please', RATE);
    const spokenMs = (pcm.length / RATE) * 1000;
    const heard: number[] = [];
    const metered = await burst(new MeteredVAD(vad, (ms) => heard.push(ms)).stream(), pcm);
    const plain = await burst(vad.stream(), pcm);

    const kinds = (events: VADEvent[]) => events.map((e) => VADEventType[e.type]);
    expect(kinds(metered)).toEqual(kinds(plain));
    expect(kinds(metered)).toContain('START_OF_SPEECH');
    expect(kinds(metered)).toContain('END_OF_SPEECH');
    const speaking = metered.filter((e) => e.type === VADEventType.INFERENCE_DONE && e.speaking);
    expect(heard).toEqual(speaking.map((e) => e.speechDuration));
    // The count grows with the audio, whatever the wall clock did: most of the utterance is in it.
    expect(Math.max(...heard)).toBeGreaterThan(spokenMs * 0.7);
  });
});
