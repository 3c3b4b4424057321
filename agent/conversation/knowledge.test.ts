import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { initializeLogger, llm } from '@livekit/agents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KnowledgePassage } from '../../protocol/index.ts';
import { KnowledgeService } from '../../api/services/knowledge/service.ts';
import { insertSession, send, startTestApi, type TestApi } from '../../api/testing.ts';
import { testCharacters } from '../../db/testing.ts';
import { signUp } from '../../test/support/auth.ts';
import { PersonaBrain } from '../../speech/offline/persona-brain.ts';
import { ApiClient } from '../api-client.ts';
import { silentLogger } from '../logger.ts';
import { CompanionAgent } from './companion.ts';
import { answerFromKnowledge, KnowledgeClient, knowledgeMessage, passagesIn } from './knowledge.ts';

// Knowledge in a turn, from the agent's side: the companion asks the real API for passages and puts
// them into the turn's context; the offline brain answers from them; a slow API costs nothing.

const ada = testCharacters[0]!;
const SECRET = 'knowledge-agent-test-secret';

const passage = (content: string, title = 'Notes', heading = ''): KnowledgePassage => ({
  chunkId: '00000000-0000-4000-8000-000000000001',
  characterId: ada.id,
  source: 'document',
  sourceId: '00000000-0000-4000-8000-000000000002',
  title,
  heading,
  content,
  score: 0.5,
  keyed: false,
});

const textOf = async (brain: PersonaBrain, ctx: llm.ChatContext) => {
  let text = '';
  for await (const chunk of brain.chat({ chatCtx: ctx })) text += chunk.delta?.content ?? '';
  return text;
};

beforeAll(() => initializeLogger({ pretty: false, level: 'warn' }));

describe('the knowledge message', () => {
  it('when passages are formatted, then each names its source and the offline brain can read them back', () => {
    const message = knowledgeMessage([
      passage('Old Marta keeps the lighthouse.', 'Port Wren', 'The lighthouse'),
      passage('Fish   is sold\non Tuesdays.', ''),
    ]);
    expect(message.split('\n').slice(1)).toEqual([
      '- (Port Wren › The lighthouse) Old Marta keeps the lighthouse.',
      '- Fish is sold on Tuesdays.',
    ]);
    expect(passagesIn(['You are Ada.', message])).toEqual([
      'Old Marta keeps the lighthouse.',
      'Fish is sold on Tuesdays.',
    ]);
  });

  it('when the caller asks about something a passage says, then that sentence is the answer', () => {
    const known = [
      'The town is small. Old Marta keeps the lighthouse and feeds a gull.',
      'Fish on Tuesdays.',
    ];
    expect(answerFromKnowledge(known, 'who keeps the lighthouse?')).toBe(
      'Old Marta keeps the lighthouse and feeds a gull.',
    );
    expect(answerFromKnowledge(known, 'how are you today?')).toBeUndefined();
  });

  it('when the offline brain has a matching passage in its context, then its reply says it', async () => {
    const ctx = llm.ChatContext.empty();
    ctx.addMessage({ role: 'system', content: 'You are Ada.' });
    ctx.addMessage({ role: 'assistant', content: ada.greeting });
    ctx.addMessage({
      role: 'system',
      content: knowledgeMessage([passage('The spare key is under the blue flowerpot.')]),
    });
    ctx.addMessage({ role: 'user', content: 'where is the spare key?' });
    expect(await textOf(new PersonaBrain(ada), ctx)).toBe('The spare key is under the blue flowerpot.');
    // Without the passage it answers as before, from its persona.
    const plain = llm.ChatContext.empty();
    plain.addMessage({ role: 'user', content: 'where is the spare key?' });
    expect(await textOf(new PersonaBrain(ada), plain)).not.toContain('flowerpot');
  });
});

describe('CompanionAgent.onUserTurnCompleted', () => {
  let api: TestApi;
  let silent: Server;
  let sessionId: string;
  const warnings: { fields: { err?: unknown; ms?: number }; msg: string }[] = [];
  const logger = {
    ...silentLogger,
    warn: (fields: object, msg?: string) => void warnings.push({ fields, msg: msg ?? '' }),
  };

  beforeAll(async () => {
    api = await startTestApi('pglite', { LIVEKIT_API_SECRET: SECRET, RATE_LIMIT_PER_MINUTE: '0' });
    const owner = await signUp(api.url);
    sessionId = (await insertSession(api.db.db, owner.user.id)).id;
    // test-ada is built in: its knowledge is written straight into the database here.
    await new KnowledgeService(api.db.db).addDocument(ada.id, {
      title: 'Workshop',
      format: 'markdown',
      content:
        '# Workshop\n## Engines\nThe big engine in the workshop is a 1910 Stirling engine named Bertha.',
    });
    // An API that accepts the connection and never answers.
    silent = createServer(() => {});
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
  });
  afterAll(async () => {
    silent?.closeAllConnections();
    silent?.close();
    await api?.stop();
  });

  // The success case gets a generous timeout: a loaded test machine must not turn it into the other case.
  const client = (apiUrl: string, timeoutMs = 300) =>
    new KnowledgeClient({
      api: ApiClient.forSecret(apiUrl, SECRET),
      sessionId,
      characterId: ada.id,
      timeoutMs,
    });

  it('when the caller asks about something the character knows, then the passage is in that turn’s context only', async () => {
    const agent = new CompanionAgent(ada, [], { knowledge: client(api.url, 5000), logger });
    const turnCtx = agent.chatCtx.copy();
    const message = llm.ChatMessage.create({ role: 'user', content: 'what is your engine called?' });
    await agent.onUserTurnCompleted(turnCtx, message);
    const system = turnCtx.items.filter((i) => i.type === 'message' && i.role === 'system');
    expect(JSON.stringify(system.at(-1))).toContain('Stirling engine named Bertha');
    expect(JSON.stringify(agent.chatCtx.items)).not.toContain('Bertha');
    expect((await send(api.url, '/healthz')).status).toBe(200);
  });

  it('when the API does not answer, then the turn goes on after the timeout without passages, and says so', async () => {
    const { port } = silent.address() as AddressInfo;
    const agent = new CompanionAgent(ada, [], { knowledge: client(`http://127.0.0.1:${port}`), logger });
    const turnCtx = agent.chatCtx.copy();
    const before = turnCtx.items.length;
    await agent.onUserTurnCompleted(turnCtx, llm.ChatMessage.create({ role: 'user', content: 'engine?' }));
    expect(turnCtx.items).toHaveLength(before);
    // The API never answers: only the client's own 300 ms timeout can have let the turn go on.
    const warning = warnings.find((w) => w.msg === 'turn goes on without knowledge');
    expect(warning?.fields.err).toMatchObject({ status: 'network', cause: { name: 'TimeoutError' } });
    expect(warning?.fields.ms).toBeGreaterThanOrEqual(300 - 5);
    console.log(`knowledge timeout: the turn went on after ${warning?.fields.ms} ms (timeout 300 ms)`);
  });
});
