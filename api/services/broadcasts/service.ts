import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type {
  Broadcast,
  BroadcastOutputKind,
  BroadcastOutputTargets,
  BroadcastStatus,
  BroadcastStatusReport,
  CreateBroadcastRequest,
  StageAccess,
  StartBroadcastResponse,
  UpdateBroadcastRequest,
} from '../../../protocol/index.ts';
import { AutonomousSettings, BroadcastVideo, GroupSettings } from '../../../protocol/index.ts';
import type { LivekitWebhookAck, LivekitWebhookEvent } from '../../../protocol/webhooks.ts';
import { ConflictError, HttpError, NotFoundError, UpstreamUnavailableError } from '../../errors.ts';
import { enforce } from '../../routes/auth.ts';
import { broadcastAccess, type BroadcastAction, type Principal } from '../access.ts';
import { LivekitUnavailableError, type LivekitService } from '../livekit.ts';
import type { SessionService } from '../sessions.ts';
import { OutputStartError, type BroadcastOutputDriver } from './outputs.ts';
import { SecretDecryptError } from './secrets.ts';
import { toBroadcast, type BroadcastRow, type BroadcastStore } from './store.ts';

/** A sealed secret in the database no longer opens: the operator must look (key changed, row altered). */
export class StoredSecretError extends HttpError {
  constructor(err: SecretDecryptError) {
    super(500, 'internal', `${err.message}; enter the stream key again`);
  }
}

export interface BroadcastServiceDeps {
  store: BroadcastStore;
  sessions: SessionService;
  livekit: LivekitService;
  outputs: Record<BroadcastOutputKind, BroadcastOutputDriver>;
  /** An egress service is attached to LiveKit: `auto` broadcasts use it. */
  egressEnabled: boolean;
  /** Base of the stage page (no trailing slash). */
  publicWebUrl: string;
  /** LiveKit URL handed to browsers. */
  livekitPublicUrl: string;
}

const RUNNING: readonly BroadcastStatus[] = ['starting', 'live'];
const STARTABLE: readonly BroadcastStatus[] = ['idle', 'ended', 'failed'];
/** LiveKit's EgressStatus names as webhooks carry them (protobuf JSON omits EGRESS_STARTING, 0). */
const EGRESS_FAILED = new Set(['EGRESS_FAILED', 'EGRESS_ABORTED']);
const EGRESS_DONE = new Set(['EGRESS_COMPLETE', 'EGRESS_ENDING', 'EGRESS_LIMIT_REACHED']);

/**
 * Broadcasts: their settings, and each run's lifecycle (idle → starting → live → stopping → ended,
 * or failed), driven by start/stop here, egress webhooks, and the agent's reports for the builtin.
 */
export class BroadcastService {
  constructor(private readonly deps: BroadcastServiceDeps) {}

  async create(req: CreateBroadcastRequest, user: Principal, log: Logger): Promise<Broadcast> {
    const row = await this.deps.store.insert(randomUUID(), user.id, req);
    log.info({ broadcastId: row.id, character: row.characterIds.join(',') }, 'broadcast created');
    return toBroadcast(row);
  }

  async list(user: Principal): Promise<Broadcast[]> {
    return (await this.deps.store.listOwned(user.id)).map(toBroadcast);
  }

  /** The broadcast, if `user` may do `action` with it: 401/403/404 otherwise. */
  async authorize(id: string, user: Principal | undefined, action: BroadcastAction): Promise<BroadcastRow> {
    const row = await this.deps.store.get(id);
    if (!row) throw new NotFoundError('broadcast not found');
    enforce(broadcastAccess(user, row, action), 'broadcast');
    return row;
  }

  async get(id: string, user: Principal): Promise<Broadcast> {
    return toBroadcast(await this.authorize(id, user, 'read'));
  }

  /** Settings change only while off air: a running show keeps what it started with. */
  async update(id: string, req: UpdateBroadcastRequest, user: Principal, log: Logger): Promise<Broadcast> {
    const row = await this.authorize(id, user, 'write');
    if (req.settings || req.characterIds) {
      const ids = new Set(req.characterIds ?? row.characterIds);
      const settings = req.settings ?? GroupSettings.parse(row.settings);
      for (const r of settings.relationships)
        if (!ids.has(r.from) || !ids.has(r.to))
          throw new ConflictError('settings name a character that is not in characterIds');
    }
    const updated = await this.deps.store.update(id, this.deps.store.patchFor(row, req), STARTABLE);
    if (!updated) throw new ConflictError('the broadcast is on air: stop it before changing it');
    log.info({ broadcastId: id, fields: Object.keys(req) }, 'broadcast updated');
    return toBroadcast(updated);
  }

  async remove(id: string, user: Principal, log: Logger): Promise<void> {
    const row = await this.authorize(id, user, 'write');
    if (RUNNING.includes(row.status) || row.status === 'stopping') await this.stopRow(row, log);
    await this.deps.store.remove(id);
    log.info({ broadcastId: id }, 'broadcast deleted');
  }

  /**
   * Creates the broadcast's group session (agent dispatched by the server, with the broadcast's id
   * and output in its metadata) and starts the output. Egress reports `live` through webhooks, the
   * builtin through the agent.
   */
  async start(id: string, user: Principal, log: Logger): Promise<StartBroadcastResponse> {
    const row = await this.authorize(id, user, 'start');
    if (!row.twitchStreamKeyEnc && row.destinations.length === 0)
      throw new ConflictError('set a Twitch stream key or add a destination before starting');
    const kind: BroadcastOutputKind =
      row.output === 'egress' || (row.output === 'auto' && this.deps.egressEnabled) ? 'egress' : 'builtin';
    const claimed = await this.deps.store.update(
      id,
      {
        status: 'starting',
        outputUsed: kind,
        egressId: null,
        lastError: null,
        startedAt: null,
        endedAt: null,
      },
      STARTABLE,
    );
    if (!claimed) throw new ConflictError('the broadcast is already on air');
    const runLog = log.child({ broadcastId: id, output: kind });

    let session;
    try {
      session = await this.deps.sessions.create(
        {
          mode: 'group',
          characterIds: row.characterIds,
          settings: GroupSettings.parse(row.settings),
          displayName: 'Host',
        },
        user,
        runLog,
        { serverDispatch: true, broadcast: { id, output: kind } },
      );
    } catch (err) {
      await this.fail(id, err, runLog);
      if (err instanceof LivekitUnavailableError) throw new UpstreamUnavailableError(err.message);
      throw err;
    }
    const live = await this.deps.store.update(id, { sessionId: session.sessionId });
    const sessionLog = runLog.child({ sessionId: session.sessionId, room: session.roomName });

    let egressId: string | null;
    try {
      const stage = await this.stageAccessFor(id, session.roomName);
      ({ egressId } = await this.deps.outputs[kind].start({
        roomName: session.roomName,
        targets: () => this.deps.store.targets(live ?? row),
        video: BroadcastVideo.parse(row.video),
        stageUrl: stage.stageUrl,
      }));
    } catch (err) {
      await this.fail(id, err, sessionLog);
      await this.deps.sessions.end(session.sessionId, sessionLog);
      if (err instanceof SecretDecryptError) throw new StoredSecretError(err);
      if (err instanceof OutputStartError) throw new UpstreamUnavailableError(err.message);
      throw err;
    }
    const started = egressId ? await this.deps.store.update(id, { egressId }) : live;
    sessionLog.info(
      { egressId, destinations: row.destinations.length, twitch: row.twitchStreamKeyEnc !== null },
      'broadcast starting',
    );
    return {
      broadcast: toBroadcast(started ?? (await this.authorize(id, user, 'read'))),
      host: {
        url: session.url,
        roomName: session.roomName,
        token: session.token,
        identity: session.identity,
      },
    };
  }

  /** Stops the output and ends the session. Stopping a broadcast that is not on air changes nothing. */
  async stop(id: string, user: Principal, log: Logger): Promise<Broadcast> {
    const row = await this.authorize(id, user, 'stop');
    return toBroadcast(await this.stopRow(row, log));
  }

  /** A view-only token and the stage page's URL (an OBS browser source), while on air. */
  async stageAccess(id: string, user: Principal): Promise<StageAccess> {
    const row = await this.authorize(id, user, 'start');
    if (!RUNNING.includes(row.status) || !row.sessionId)
      throw new ConflictError('the broadcast is not on air: start it first');
    const broadcast = toBroadcast(row);
    return this.stageAccessFor(id, broadcast.roomName!);
  }

  /** The agent's view: RTMP targets and chat credentials in clear. Never logged. */
  async outputTargets(id: string): Promise<BroadcastOutputTargets> {
    const row = await this.deps.store.get(id);
    if (!row) throw new NotFoundError('broadcast not found');
    if (!RUNNING.includes(row.status)) throw new ConflictError('the broadcast is not on air');
    try {
      return {
        broadcastId: id,
        video: BroadcastVideo.parse(row.video),
        rtmp: this.deps.store.targets(row),
        chat: { channel: row.twitchChannel, oauthToken: this.deps.store.chatToken(row) },
        autonomous: AutonomousSettings.parse(row.autonomous),
      };
    } catch (err) {
      if (err instanceof SecretDecryptError) throw new StoredSecretError(err);
      throw err;
    }
  }

  /** The agent's report on the built-in output. */
  async reportStatus(id: string, report: BroadcastStatusReport, log: Logger): Promise<Broadcast> {
    const row = await this.deps.store.get(id);
    if (!row) throw new NotFoundError('broadcast not found');
    const runLog = log.child({ broadcastId: id, sessionId: row.sessionId });
    const next = await this.transition(row, report.status, report.error ?? null, runLog, {
      stopOutput: true,
    });
    return toBroadcast(next ?? row);
  }

  /** Egress webhooks: the egress, found by id (or by its room while start is still storing the id). */
  async handleEgressEvent(event: LivekitWebhookEvent, log: Logger): Promise<LivekitWebhookAck> {
    const info = event.egressInfo;
    if (!info) return { handled: false };
    let row = await this.deps.store.findByEgress(info.egressId);
    if (!row && info.roomName) {
      const session = await this.deps.sessions.findByRoom(info.roomName);
      row = session ? await this.deps.store.findBySession(session.id) : undefined;
      if (row?.egressId && row.egressId !== info.egressId) row = undefined;
    }
    if (!row) {
      log.debug({ egressId: info.egressId }, 'egress webhook for no broadcast: ignored');
      return { handled: false };
    }
    const status = info.status ?? 'EGRESS_STARTING';
    const runLog = log.child({ broadcastId: row.id, egressId: info.egressId, egressStatus: status });
    const to: BroadcastStatus | undefined = EGRESS_FAILED.has(status)
      ? 'failed'
      : event.event === 'egress_ended' || EGRESS_DONE.has(status)
        ? 'ended'
        : status === 'EGRESS_ACTIVE'
          ? 'live'
          : undefined;
    // The egress itself reported its end: nothing of it is left to stop.
    if (to)
      await this.transition(row, to, info.error || (to === 'failed' ? status : null), runLog, {
        stopOutput: false,
      });
    return { handled: true, ...(row.sessionId ? { sessionId: row.sessionId } : {}) };
  }

  /** The broadcast's room closed (webhook): a show still on air is over. */
  async sessionFinished(sessionId: string, log: Logger): Promise<void> {
    const row = await this.deps.store.findBySession(sessionId);
    // Egress stops with its room; the builtin's ffmpeg with its job.
    if (row)
      await this.transition(row, 'ended', null, log.child({ broadcastId: row.id }), { stopOutput: false });
  }

  /** No agent came to the broadcast's room after every dispatch: the run fails with that reason. */
  async sessionFailed(sessionId: string, reason: string, log: Logger): Promise<void> {
    const row = await this.deps.store.findBySession(sessionId);
    if (row)
      await this.transition(row, 'failed', reason, log.child({ broadcastId: row.id }), { stopOutput: true });
  }

  /**
   * Moves a run to `live`, `ended` or `failed`, only from a state that leads there (a late or
   * repeated event changes nothing). A run that ends or fails on its own also stops the rest of it.
   */
  private async transition(
    row: BroadcastRow,
    to: 'live' | 'ended' | 'failed',
    error: string | null,
    log: Logger,
    opts: { stopOutput: boolean },
  ): Promise<BroadcastRow | undefined> {
    const from: readonly BroadcastStatus[] =
      to === 'live'
        ? ['starting']
        : to === 'ended'
          ? ['starting', 'live', 'stopping']
          : [...RUNNING, 'stopping'];
    const now = new Date();
    const updated = await this.deps.store.update(
      row.id,
      to === 'live'
        ? { status: 'live', startedAt: now }
        : {
            status: to,
            endedAt: now,
            ...(to === 'failed' ? { lastError: error ?? 'the output failed' } : {}),
          },
      from,
    );
    if (!updated) return undefined;
    if (to === 'live') log.info('broadcast live');
    else if (to === 'failed') log.warn({ reason: updated.lastError }, 'broadcast failed');
    else log.info('broadcast ended');
    if (to !== 'live' && row.status !== 'stopping') await this.tearDown(row, log, opts.stopOutput);
    return updated;
  }

  private async stopRow(row: BroadcastRow, log: Logger): Promise<BroadcastRow> {
    const stopping = await this.deps.store.update(row.id, { status: 'stopping' }, RUNNING);
    if (!stopping) return row;
    const runLog = log.child({ broadcastId: row.id, sessionId: row.sessionId });
    await this.tearDown(stopping, runLog);
    const ended = await this.deps.store.update(row.id, { status: 'ended', endedAt: new Date() }, [
      'stopping',
    ]);
    runLog.info('broadcast stopped');
    return ended ?? (await this.deps.store.get(row.id)) ?? stopping;
  }

  /** Stops the output and ends the session; failures are logged, never block the stop. */
  private async tearDown(row: BroadcastRow, log: Logger, stopOutput = true): Promise<void> {
    if (stopOutput && row.outputUsed) {
      try {
        await this.deps.outputs[row.outputUsed].stop(row.egressId);
      } catch (err) {
        log.warn({ reason: (err as Error).message }, 'could not stop the output; ending the session anyway');
      }
    }
    if (row.sessionId) await this.deps.sessions.end(row.sessionId, log);
  }

  private async fail(id: string, err: unknown, log: Logger): Promise<void> {
    const reason = err instanceof Error ? err.message : String(err);
    await this.deps.store.update(id, {
      status: 'failed',
      lastError: reason.slice(0, 1000),
      endedAt: new Date(),
    });
    log.warn({ reason }, 'broadcast failed to start');
  }

  private async stageAccessFor(id: string, roomName: string): Promise<StageAccess> {
    const identity = `stage-${randomBytes(5).toString('hex')}`;
    const token = await this.deps.livekit.viewerToken(roomName, identity);
    const query = new URLSearchParams({ token, url: this.deps.livekitPublicUrl });
    return {
      stageUrl: `${this.deps.publicWebUrl}/#/stage/${id}?${query.toString()}`,
      url: this.deps.livekitPublicUrl,
      roomName,
      token,
      identity,
    };
  }
}
