import { RoomEvent } from '@livekit/rtc-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { speak } from '../support/audio.ts';
import { signUp, type SignedUp } from '../support/auth.ts';
import { type TimedCall, jobsInRoom, nextJobJoins, sessionOf, startCall } from '../support/faults.ts';
import { TestCaller } from '../support/rtc.ts';
import { type Stack, eventually, startStack, within } from '../support/stack.ts';
import { teardown } from '../support/teardown.ts';

// livekit-server restarted mid-call: every room is gone with it. Seen here: the caller's client and
// the job's own connection both reconnect (a full reconnect opens the room again), the worker
// registers again, and the call goes on; a client that gives up joins again with its token (as the
// web page does), and a job that does not come back is replaced by the API's confirmed dispatch,
// which takes the conversation up from the stored transcript.

const QUESTION = 'what do you like to do on weekends';

let stack: Stack;
let owner: SignedUp;
let call: TimedCall;
let again: TestCaller | undefined;

beforeAll(async () => {
  stack = await startStack({ agentEnv: { OFFLINE_STT_PHRASES: QUESTION, AEC_WARMUP_MS: '500' } });
  owner = await signUp(stack.api.url);
});

afterAll(() => teardown(again, call?.caller, stack));

describe('livekit-server restarted mid-call', () => {
  it('when the server comes back, then the caller and the character reconnect and the call goes on', async () => {
    call = await startCall(stack, owner, 'marigold');
    await within(stack, call.firstHeard, 'the greeting', 60_000);
    await within(stack, call.caller.agentState('listening'), 'listening', 30_000);
    const end = await call.caller.say(await speak(QUESTION));
    await within(stack, call.caller.heard.firstSpeechAfter(end), 'the answer', 30_000);
    await within(stack, call.caller.agentState('listening'), 'listening again', 30_000);

    // The client either reconnects by itself (a full reconnect: the room opens again) or gives up;
    // then it joins again with the same token, as the web page's reconnect does.
    const outcome = new Promise<'reconnected' | 'disconnected'>((resolve) => {
      call.caller.room.once(RoomEvent.Reconnected, () => resolve('reconnected'));
      call.caller.room.once(RoomEvent.Disconnected, () => resolve('disconnected'));
    });
    await stack.restartLivekit!();
    let listener = call.caller;
    if ((await within(stack, outcome, 'the caller reconnected or disconnected', 60_000)) === 'disconnected') {
      await call.caller.leave().catch(() => {});
      again = new TestCaller();
      void again.join(call.created.url, call.created.token);
      listener = again;
    }
    // The job's own connection reconnects too (then it is the same job), or a new one is dispatched.
    await within(stack, nextJobJoins(listener, undefined), 'a job in the reopened room', 60_000);
    await within(stack, listener.agentState('listening'), 'the character listening', 60_000);
    const asked = await listener.say(await speak(QUESTION));
    await within(stack, listener.heard.firstSpeechAfter(asked), 'an answer after the restart', 30_000);
    await within(stack, listener.agentState('listening'), 'listening again', 30_000);

    const s = await eventually(
      () => sessionOf(stack, owner, call.created.sessionId),
      (d) => d.agent?.state === 'joined' && d.transcript.filter((t) => t.role === 'user').length >= 2,
      { what: 'the agent confirmed and the second question stored', timeoutMs: 30_000 },
    );
    expect(s.status).toBe('active');
    // Taken up, not started over: the greeting is stored once.
    expect(s.transcript.filter((t) => t.text === call.created.character.greeting)).toHaveLength(1);
    const ids = s.transcript.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(jobsInRoom(listener)).toHaveLength(1);
  });
});
