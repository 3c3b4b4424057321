import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSessionResponse, SessionDetail } from '../protocol/index.ts';
import { speak } from './support/audio.ts';
import { signUp } from './support/auth.ts';
import { TestCaller } from './support/rtc.ts';
import { type Stack, eventually, startStack } from './support/stack.ts';
import { teardown } from './support/teardown.ts';

// TURN_DETECTION=local-model: LiveKit's local end-of-turn model (turn-detector-v1-mini, in the
// worker's inference process) decides when the caller is done, with no call to any cloud.

let stack: Stack;
let caller: TestCaller;

beforeAll(async () => {
  stack = await startStack({ database: 'pglite', agentEnv: { TURN_DETECTION: 'local-model' } });
});

afterAll(() => teardown(caller, stack));

describe('turn detection with the local end-of-turn model', () => {
  it('when the caller finishes a question, then the companion answers and the turn is stored', async () => {
    const owner = await signUp(stack.api.url);
    const res = await fetch(`${stack.api.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...owner.headers },
      body: JSON.stringify({ mode: 'call', characterId: 'theo' }),
    });
    const created = CreateSessionResponse.parse(await res.json());
    caller = new TestCaller();
    await caller.join(created.url, created.token);
    await caller.heard.firstSpeechAfter(0);
    await caller.agentState('listening');
    const endOfSpeech = await caller.say(await speak('what kind of music do you like to play'));
    await caller.heard.firstSpeechAfter(endOfSpeech);
    const turns = await eventually(
      async () =>
        SessionDetail.parse(
          await (
            await fetch(`${stack.api.url}/api/sessions/${created.sessionId}`, { headers: owner.headers })
          ).json(),
        ).transcript,
      (t) => t.filter((x) => x.role === 'assistant').length >= 2,
      { what: 'the reply to be stored' },
    );
    expect(turns.some((t) => t.role === 'user' && t.text.length > 0)).toBe(true);
    const log = stack.agentLog.join('\n');
    expect(log).not.toMatch(/cloud|inference gateway/i);
    expect(log).not.toMatch(/EOT disabled|binding unavailable|positive default/i);
  });
});
