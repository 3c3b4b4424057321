import { timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import {
  JobAcceptedReport,
  JobEndedReport,
  ProviderInfo,
  SessionStatusReport,
  SessionSummaryReport,
  TurnMetrics,
  TurnReport,
} from '../../protocol/index.ts';
import { agentApiToken } from '../../protocol/internal.ts';
import { ConflictError, NotFoundError, UnauthorizedError, parseOrThrow } from '../errors.ts';
import type { AgentSupervisor } from '../services/agent-supervisor.ts';
import type { MemoryService } from '../services/memories.ts';
import type { SessionService } from '../services/sessions.ts';
import { sessionIdParam } from './params.ts';

// Reports come from our own agent: an unknown field means the two sides disagree, so it is refused.
const StrictStatusReport = SessionStatusReport.extend({ providers: ProviderInfo.strict() }).strict();
const StrictTurnReport = TurnReport.extend({ metrics: TurnMetrics.strict() }).strict();

/** Accepts only `Authorization: Bearer <agentApiToken(secret)>`, compared in constant time. */
export function requireAgentToken(livekitApiSecret: string): RequestHandler {
  const expected = Buffer.from(agentApiToken(livekitApiSecret));
  return (req, _res, next) => {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const given = Buffer.from(match?.[1] ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new UnauthorizedError();
    next();
  };
}

/** The agent's reports, mounted under `/api/internal` behind requireAgentToken. */
export function internalRouter(
  sessions: SessionService,
  memories: MemoryService,
  agents: Pick<AgentSupervisor, 'accepted' | 'joined' | 'lost'>,
): Router {
  const router = Router();
  router.post('/sessions/:id/status', async (req, res) => {
    const id = sessionIdParam(req.params.id);
    const report = parseOrThrow(StrictStatusReport, req.body, 'status report');
    if (!(await sessions.reportStatus(id, report, req.log))) throw new NotFoundError('session not found');
    if (report.identity) await agents.joined(id, report.identity, req.log);
    res.status(204).end();
  });
  // A worker took the session's job and is starting its process: the API waits for it.
  router.post('/sessions/:id/job-accepted', async (req, res) => {
    const id = sessionIdParam(req.params.id);
    parseOrThrow(JobAcceptedReport, req.body, 'job report');
    await agents.accepted(id, req.log);
    res.status(204).end();
  });
  router.post('/sessions/:id/job-ended', async (req, res) => {
    const id = sessionIdParam(req.params.id);
    const report = parseOrThrow(JobEndedReport, req.body, 'job report');
    const reason =
      report.reason === 'worker_gone'
        ? "the character's worker stopped; bringing the character back"
        : "the character's process stopped; bringing the character back";
    const lost = await agents.lost(id, report.identity, reason, req.log);
    res.status(200).json({ lost });
  });
  // What a job that takes a conversation up again (DispatchMetadata.resume) continues from.
  router.get('/sessions/:id/transcript', async (req, res) => {
    const id = sessionIdParam(req.params.id);
    const detail = await sessions.get(id);
    if (!detail) throw new NotFoundError('session not found');
    res.json({ transcript: detail.transcript });
  });
  router.post('/sessions/:id/turns', async (req, res) => {
    const id = sessionIdParam(req.params.id);
    const turn = parseOrThrow(StrictTurnReport, req.body, 'turn report');
    const outcome = await sessions.recordTurn(id, turn, req.log);
    switch (outcome.kind) {
      case 'created':
        res.status(201).json(outcome.turn);
        return;
      case 'exists':
        res.status(200).json(outcome.turn);
        return;
      case 'other_session':
        throw new ConflictError('turn id already belongs to another session');
      case 'no_session':
        throw new NotFoundError('session not found');
    }
  });
  router.post('/sessions/:id/summary', async (req, res) => {
    const id = sessionIdParam(req.params.id);
    const { summary } = parseOrThrow(SessionSummaryReport, req.body, 'summary report');
    if (!(await memories.record(id, summary))) throw new NotFoundError('session not found');
    res.status(204).end();
  });
  return router;
}
