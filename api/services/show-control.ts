import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../../db/client.ts';
import {
  BROADCAST_CONTROL_TOPIC,
  SESSION_CONTROL_ACTIONS,
  type ShowCommand,
  type ShowCommandMessage,
  type ShowCommandReport,
  type ShowControlAction,
  type ShowControlWebhook,
} from '../../protocol/index.ts';
import type { ShowControlSettings } from '../config.ts';
import {
  BadRequestError,
  ConflictError,
  HttpError,
  NotFoundError,
  RateLimitedError,
  UpstreamUnavailableError,
} from '../errors.ts';
import { type Principal, sessionAccess } from './access.ts';
import { type SecretBox, secretContext } from './broadcasts/secrets.ts';
import type { BroadcastService } from './broadcasts/service.ts';
import { LivekitUnavailableError, type LivekitService } from './livekit.ts';
import {
  type CommandTarget,
  type ControlCommandRow,
  type ControlScope,
  ShowCommandStore,
  toShowCommand,
} from './show-control-store.ts';
import { ShowControlWebhookSender } from './show-control-webhook.ts';

export interface ShowControlDeps {
  store: ShowCommandStore;
  broadcasts: Pick<BroadcastService, 'authorize'>;
  livekit: Pick<LivekitService, 'sendData'>;
  box: SecretBox;
  webhooks: ShowControlWebhookSender;
  settings: ShowControlSettings;
  logger: Logger;
  /** @defaultValue Date.now */
  clock?: () => number;
}

const RUNNING = new Set(['starting', 'live']);

/** The service and its parts, from the app's database, broadcasts, LiveKit and settings. */
export function createShowControl(deps: {
  db: Db;
  broadcasts: ShowControlDeps['broadcasts'];
  livekit: ShowControlDeps['livekit'];
  box: SecretBox;
  settings: ShowControlSettings;
  logger: Logger;
  clock: () => number;
}): ShowControlService {
  const { settings, clock } = deps;
  return new ShowControlService({
    ...deps,
    store: new ShowCommandStore(deps.db),
    webhooks: new ShowControlWebhookSender(
      {
        attempts: settings.webhookAttempts,
        retryMs: settings.webhookRetryMs,
        timeoutMs: settings.webhookTimeoutMs,
      },
      clock,
    ),
  });
}

/**
 * The show-control API: a command is stored, sent to the broadcast's job as a server packet, and
 * answered with its outcome when that arrives within the wait (202 `pending` otherwise). Outcomes
 * come from the job (`report`), are stored once, wake the requests waiting on this replica at once
 * (those on other replicas read the row every `pollMs`) and are posted to the owner's webhook.
 */
export class ShowControlService {
  readonly #d: ShowControlDeps;
  readonly #clock: () => number;
  /** Requests on this replica waiting for a command: woken when its outcome is stored here. */
  readonly #waiting = new Map<string, Set<() => void>>();

  constructor(deps: ShowControlDeps) {
    this.#d = deps;
    this.#clock = deps.clock ?? Date.now;
  }

  /** Sends `action` to the broadcast's show and waits up to `waitMs` for what became of it. */
  async send(
    broadcastId: string,
    user: Principal,
    action: ShowControlAction,
    waitMs: number | undefined,
    log: Logger,
  ): Promise<ShowCommand> {
    this.#checkWait(waitMs);
    const row = await this.#d.broadcasts.authorize(broadcastId, user, 'write');
    if (!RUNNING.has(row.status) || !row.sessionId)
      throw new ConflictError('the broadcast is not on air: start it first');
    if ('characterId' in action && !row.characterIds.includes(action.characterId))
      throw new BadRequestError(`${action.characterId} is not one of this broadcast's characters`);
    const target = await this.#d.store.target(row.sessionId);
    if (!target?.agentIdentity)
      throw new ConflictError("the broadcast's characters have not joined yet: try again in a moment");
    const scope: ControlScope = { kind: 'broadcast', id: broadcastId };
    const to = { ...target, agentIdentity: target.agentIdentity };
    return this.#send(scope, to, action, waitMs, log.child({ broadcastId }));
  }

  /**
   * Sends `action` to a running group session (not a broadcast's run: that goes through the
   * broadcast) and waits up to `waitMs` for what became of it. Its owner or an operator may.
   */
  async sendToSession(
    sessionId: string,
    user: Principal,
    action: ShowControlAction,
    waitMs: number | undefined,
    log: Logger,
  ): Promise<ShowCommand> {
    this.#checkWait(waitMs);
    const session = await this.#session(sessionId, user);
    if (!(SESSION_CONTROL_ACTIONS as readonly string[]).includes(action.type))
      throw new HttpError(
        400,
        'not_supported_in_group_call',
        `${action.type} needs a broadcast's stage: a group session takes ${SESSION_CONTROL_ACTIONS.join(', ')}`,
      );
    if (session.mode !== 'group') throw new ConflictError('only a group session takes show-control commands');
    if (session.broadcastId)
      throw new ConflictError(
        `this session is a broadcast's run: send commands to /api/broadcasts/${session.broadcastId}/control`,
      );
    if (session.status !== 'active' || !session.agentIdentity)
      throw new ConflictError(
        session.status === 'ended' || session.status === 'failed'
          ? 'the session has ended'
          : "the session's characters have not joined yet: try again in a moment",
      );
    if ('characterId' in action && !session.characterIds.includes(action.characterId))
      throw new BadRequestError(`${action.characterId} is not one of this session's characters`);
    const target = { sessionId, roomName: session.roomName, agentIdentity: session.agentIdentity };
    return this.#send({ kind: 'session', id: sessionId }, target, action, waitMs, log);
  }

  /** A command of a group session `user` may control, as it stands. */
  async getOfSession(
    sessionId: string,
    commandId: string,
    user: Principal,
    log: Logger,
  ): Promise<ShowCommand> {
    await this.#session(sessionId, user);
    return this.#wait({ kind: 'session', id: sessionId }, commandId, 0, log);
  }

  #checkWait(waitMs: number | undefined): void {
    if (waitMs !== undefined && waitMs > this.#d.settings.maxWaitMs)
      throw new BadRequestError(`waitMs must be at most ${this.#d.settings.maxWaitMs}`);
  }

  /** The session, when `user` may control it (its owner or an operator; 404 for anyone else). */
  async #session(sessionId: string, user: Principal) {
    const session = await this.#d.store.session(sessionId);
    if (!session || sessionAccess(user, session, 'control') !== 'allow')
      throw new NotFoundError('session not found');
    return session;
  }

  async #send(
    scope: ControlScope,
    target: CommandTarget & { agentIdentity: string },
    action: ShowControlAction,
    waitMs: number | undefined,
    log: Logger,
  ): Promise<ShowCommand> {
    const { settings, store } = this.#d;
    if ((await store.pendingCount(scope)) >= settings.maxPending) {
      const limited = new RateLimitedError(1000);
      limited.retryAfterInS = 1;
      throw limited;
    }
    const id = randomUUID();
    await store.insert(id, scope, target.sessionId, action);
    const runLog = log.child({ sessionId: target.sessionId, command: id });
    const packet = new TextEncoder().encode(
      JSON.stringify({ type: 'command', id, action } satisfies ShowCommandMessage),
    );
    try {
      await this.#deliver(target.roomName, target.agentIdentity, packet);
      void this.#resend(scope, id, target.sessionId, packet, runLog);
    } catch (err) {
      await this.report(
        scope,
        id,
        { outcome: 'dropped', reason: 'notRunning', message: 'LiveKit did not take it' },
        runLog,
      );
      if (err instanceof LivekitUnavailableError) throw new UpstreamUnavailableError(err.message);
      throw err;
    }
    runLog.info({ action: action.type }, 'show command sent');
    return this.#wait(scope, id, waitMs ?? settings.defaultWaitMs, runLog);
  }

  /** A command of a broadcast `user` may control, as it stands (waiting up to `waitMs`). */
  async get(broadcastId: string, commandId: string, user: Principal, log: Logger): Promise<ShowCommand> {
    await this.#d.broadcasts.authorize(broadcastId, user, 'read');
    return this.#wait({ kind: 'broadcast', id: broadcastId }, commandId, 0, log);
  }

  /**
   * The job's report: stored if the command is still pending, then waiters are woken and the
   * webhook is posted (broadcasts only). A repeated report answers the stored outcome; an unknown
   * command is a 404.
   */
  async report(
    scope: ControlScope,
    commandId: string,
    report: ShowCommandReport,
    log: Logger,
  ): Promise<ShowCommand> {
    const finished = await this.#d.store.finish(scope, commandId, report, new Date(this.#clock()));
    if (!finished) {
      const row = await this.#d.store.get(scope, commandId);
      if (!row) throw new NotFoundError('command not found');
      return toShowCommand(row);
    }
    const command = toShowCommand(finished);
    log.info(
      { [`${scope.kind}Id`]: scope.id, command: commandId, outcome: command.outcome, reason: command.reason },
      'show command finished',
    );
    for (const wake of this.#waiting.get(commandId) ?? []) wake();
    if (scope.kind === 'broadcast') void this.#notify(scope.id, command, log);
    return command;
  }

  /** The job has the command: it is not sent again. */
  async received(scope: ControlScope, commandId: string): Promise<void> {
    if (await this.#d.store.received(scope, commandId, new Date(this.#clock()))) return;
    if (!(await this.#d.store.get(scope, commandId))) throw new NotFoundError('command not found');
  }

  /** Registers the webhook with a new secret, shown in this answer only. */
  async setWebhook(broadcastId: string, user: Principal, url: string): Promise<ShowControlWebhook> {
    await this.#d.broadcasts.authorize(broadcastId, user, 'write');
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    const secretEnc = this.#d.box.seal(secret, secretContext.controlWebhookSecret(broadcastId));
    if (!(await this.#d.store.setWebhook(broadcastId, { url, secretEnc })))
      throw new NotFoundError('broadcast not found');
    return { url, secret };
  }

  async getWebhook(broadcastId: string, user: Principal): Promise<ShowControlWebhook> {
    await this.#d.broadcasts.authorize(broadcastId, user, 'read');
    const webhook = await this.#d.store.webhook(broadcastId);
    if (!webhook) throw new NotFoundError('no webhook is set for this broadcast');
    return { url: webhook.url };
  }

  async removeWebhook(broadcastId: string, user: Principal): Promise<void> {
    await this.#d.broadcasts.authorize(broadcastId, user, 'write');
    await this.#d.store.setWebhook(broadcastId, null);
  }

  #deliver(room: string, identity: string, packet: Uint8Array): Promise<void> {
    return this.#d.livekit.sendData(room, packet, { topic: BROADCAST_CONTROL_TOPIC, identities: [identity] });
  }

  /**
   * Sends the command again every `resendMs` until the job confirms it has it (a packet sent while
   * the job was still starting, or to a job since replaced, is lost), at most `sendAttempts` in all.
   * The job ignores a command it already has.
   */
  async #resend(
    scope: ControlScope,
    id: string,
    sessionId: string,
    packet: Uint8Array,
    log: Logger,
  ): Promise<void> {
    const { store, settings } = this.#d;
    for (let attempt = 2; attempt <= settings.sendAttempts; attempt += 1) {
      await new Promise((r) => setTimeout(r, settings.resendMs).unref());
      try {
        const row = await store.get(scope, id);
        if (!row || row.outcome !== 'pending' || row.receivedAt) return;
        const target = await store.target(sessionId);
        if (!target?.agentIdentity) continue;
        await this.#deliver(target.roomName, target.agentIdentity, packet);
        log.debug({ attempt }, 'show command sent again');
      } catch (err) {
        log.warn({ err, attempt }, 'show command not sent again');
      }
    }
  }

  /** The command once finished, or as it is after `waitMs`; a pending one past its lifetime is lost. */
  async #wait(scope: ControlScope, id: string, waitMs: number, log: Logger): Promise<ShowCommand> {
    const { store, settings } = this.#d;
    const deadline = this.#clock() + waitMs;
    for (;;) {
      const row = await store.get(scope, id);
      if (!row) throw new NotFoundError('command not found');
      if (row.outcome !== 'pending') return toShowCommand(row);
      if (this.#expired(row))
        return this.report(
          scope,
          id,
          { outcome: 'dropped', reason: 'lost', message: 'no answer from the show' },
          log,
        );
      const left = deadline - this.#clock();
      if (left <= 0) return toShowCommand(row);
      await this.#nap(id, Math.min(left, settings.pollMs));
    }
  }

  #expired(row: ControlCommandRow): boolean {
    return row.createdAt.getTime() + this.#d.settings.commandTtlMs <= this.#clock();
  }

  /** Resolves after `ms`, or as soon as the command's outcome is stored on this replica. */
  #nap(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const waiting = this.#waiting.get(id) ?? new Set();
      this.#waiting.set(id, waiting);
      const done = () => {
        clearTimeout(timer);
        waiting.delete(done);
        if (waiting.size === 0) this.#waiting.delete(id);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiting.add(done);
    });
  }

  async #notify(broadcastId: string, command: ShowCommand, log: Logger): Promise<void> {
    try {
      const webhook = await this.#d.store.webhook(broadcastId);
      if (!webhook) return;
      const secret = this.#d.box.open(webhook.secretEnc, secretContext.controlWebhookSecret(broadcastId));
      await this.#d.webhooks.deliver(webhook.url, secret, command, log);
    } catch (err) {
      log.warn({ err, broadcastId, command: command.id }, 'show-control webhook failed');
    }
  }
}
