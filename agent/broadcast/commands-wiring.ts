import { randomUUID } from 'node:crypto';
import {
  BROADCAST_CONTROL_TOPIC,
  ControlMessage,
  type ControlModerateMessage,
  type FloorMessage,
  type ShowCommandReport,
  ShowCommandMessage,
  type ShowControlAction,
} from '../../protocol/index.ts';
import type { FloorController, FloorEvent } from '../conversation/group/floor.ts';
import type { Logger } from '../logger.ts';
import {
  type CommandItem,
  ModerationEndpoint,
  Moderator,
  moderateOutgoingWithEndpoint,
} from './chat/index.ts';
import {
  type CommandAction,
  type CommandDeps,
  CommandDispatcher,
  type CommandEffect,
  type CommandOptions,
  type CommandSource,
} from './commands.ts';
import type { ShowController, ShowEffect, ShowSource } from './show.ts';
import { type BroadcastModerationOptions, broadcastModerationOptions } from './speech-moderation.ts';

/** What the dispatcher's effects are carried out on: the running broadcast, or a group call. */
export interface ShowCommandHost {
  floor: FloorController;
  /** The broadcast's stage; without one (a group call) gestures and switches are refused. */
  show?: ShowController;
  /** A character's answer to a prompt in its own words (its LLM and persona), not said. */
  compose(characterId: string, prompt: string, signal: AbortSignal): Promise<string>;
  /** Whether `text` may go on air as it is (the broadcast's speech moderation, nothing replaced). */
  check(text: string, signal: AbortSignal): Promise<{ ok: boolean; reasons: string[] }>;
  setAutonomous(enabled: boolean): void;
  moderate(message: ControlModerateMessage): void;
  /** Reports that the job has an API command (`received`), or what became of it; false when the API never took it. */
  report(commandId: string, report: ShowCommandReport | 'received'): Promise<boolean>;
  logger: Logger;
}

/**
 * Whether a show-control line may go on air as it is: the rules of the characters' own speech (word
 * lists, links, the optional endpoint, failing closed); a line they would change is not said at all.
 */
export function lineCheck(options: BroadcastModerationOptions): ShowCommandHost['check'] {
  const moderator = new Moderator(broadcastModerationOptions(options));
  const endpoint = options.endpoint && new ModerationEndpoint(options.endpoint);
  return async (text, signal) => {
    const out = await moderateOutgoingWithEndpoint(moderator, endpoint, text, signal);
    return { ok: !out.changed, reasons: out.reasons };
  };
}

/** A show-control action as the dispatcher takes it. */
export function apiCommandAction(action: ShowControlAction): CommandAction {
  return action;
}

/** A control-page message as the dispatcher takes it. */
export function operatorCommandAction(message: ControlMessage): CommandAction {
  return message.type === 'topic' ? { type: 'topic', text: message.text } : message;
}

/** A chat command as the dispatcher takes it: gestures go to whoever is on stage, with low priority. */
export function chatCommandAction(item: CommandItem, onStage: string | null): CommandAction {
  switch (item.name) {
    case 'switch':
      return { type: 'switch', characterId: item.arg, transition: 'smooth' };
    case 'topic':
      return { type: 'topic', text: item.arg };
    default:
      return { type: item.name, characterId: onStage, name: item.arg, priority: 'low' };
  }
}

/**
 * A packet on the control topic as a command, or null when it is not one to obey. The API's
 * packets come from the server itself (no sender: no participant can send one) and carry the
 * command's id; the owner's control page sends `ControlMessage`s; anyone else is ignored.
 */
export function controlPacket(
  payload: Uint8Array,
  sender: { identity: string } | undefined,
  topic: string | undefined,
  ownerIdentity: string,
): { id?: string; source: CommandSource; action: CommandAction } | null {
  const fromServer = sender === undefined;
  if (topic !== BROADCAST_CONTROL_TOPIC || (!fromServer && sender.identity !== ownerIdentity)) return null;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return null;
  }
  const command = fromServer ? ShowCommandMessage.safeParse(json) : undefined;
  if (command?.success)
    return { id: command.data.id, source: 'api', action: apiCommandAction(command.data.action) };
  const control = ControlMessage.safeParse(json);
  return control.success ? { source: 'operator', action: operatorCommandAction(control.data) } : null;
}

const showSource = (source: CommandSource): ShowSource => (source === 'chat' ? 'chat' : 'operator');

/**
 * The broadcast's one command path: chat commands, the control page and the show-control API are
 * submitted here; the dispatcher (commands.ts) orders them, and this carries its effects out on the
 * floor and the show, checks and composes words, and reports the API's commands back.
 */
export class ShowCommands {
  readonly dispatcher: CommandDispatcher;
  readonly #host: ShowCommandHost;
  readonly #offs: Array<() => void> = [];
  readonly #reports = new Set<Promise<boolean>>();
  /** The API's commands seen so far (it sends one again until it hears back): each runs once. */
  readonly #seen = new Set<string>();
  /** The command whose `apply` is running now (a dramatic switch announces inside it). */
  #applying: string | null = null;
  #pendingSwitch: { switchId: string; id: string } | null = null;

  constructor(host: ShowCommandHost, options: Partial<CommandOptions> = {}, deps: Partial<CommandDeps> = {}) {
    this.#host = host;
    this.dispatcher = new CommandDispatcher(options, {
      onError: (err) => host.logger.error({ err }, 'show command failed'),
      ...deps,
    });
    this.#offs.push(this.dispatcher.subscribe((effect) => this.#effect(effect)));
    if (host.show) this.#offs.push(host.show.subscribe((effect) => this.#showEffect(effect)));
  }

  /** Hands a command to the dispatcher; returns its id (the API's, or a new one). An API command seen before is only acknowledged again. */
  submit(source: CommandSource, action: CommandAction, id: string = randomUUID()): string {
    if (source === 'api') {
      this.#report(id, 'received');
      if (this.#seen.has(id)) return id;
      this.#seen.add(id);
    }
    this.dispatcher.dispatch({ type: 'submit', command: { id, source, action } });
    return id;
  }

  floorChanged(message: FloorMessage): void {
    this.dispatcher.dispatch({ type: 'floor', message });
  }

  lineEnded(id: string, outcome: { audible: boolean; heardText: string; interrupted: boolean }): void {
    this.dispatcher.dispatch({ type: 'lineEnded', id, ...outcome });
  }

  /** Drops what still waits (reported as `notRunning`) and waits up to `timeoutMs` for the reports. */
  async close(timeoutMs = 3000): Promise<void> {
    this.dispatcher.close();
    for (const off of this.#offs.splice(0)) off();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#reports]),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  #effect(effect: CommandEffect): void {
    switch (effect.type) {
      case 'prepare':
        void this.#prepare(effect);
        return;
      case 'offer':
        // After the event being handled: the floor may be the one whose effect got us here.
        queueMicrotask(() => this.#offer(effect));
        return;
      case 'apply':
        this.#apply(effect.id, effect.source, effect.action);
        return;
      case 'restore':
        this.#host.show?.expression(effect.name, effect.characterId, 'director');
        return;
      case 'finished':
        this.#finished(effect);
        return;
    }
  }

  async #prepare(effect: Extract<CommandEffect, { type: 'prepare' }>): Promise<void> {
    const signal = AbortSignal.timeout(this.dispatcher.options.prepareTimeoutMs);
    try {
      const text =
        effect.kind === 'moderate'
          ? effect.text
          : await this.#host.compose(effect.characterId, effect.prompt, signal);
      if (!text) {
        this.dispatcher.dispatch({
          type: 'prepareFailed',
          id: effect.id,
          message: 'the character had no answer',
        });
        return;
      }
      const verdict = await this.#host.check(text, signal);
      this.dispatcher.dispatch(
        verdict.ok
          ? { type: 'prepared', id: effect.id, text }
          : { type: 'moderated', id: effect.id, message: `kept off air: ${verdict.reasons.join(', ')}` },
      );
    } catch (err) {
      this.#host.logger.warn({ err, command: effect.id }, 'show command not prepared');
      const message =
        effect.kind === 'compose' ? 'the character did not answer' : 'moderation did not answer';
      this.dispatcher.dispatch({ type: 'prepareFailed', id: effect.id, message });
    }
  }

  #offer(effect: Extract<CommandEffect, { type: 'offer' }>): void {
    const event: FloorEvent =
      effect.kind === 'line'
        ? {
            type: 'scriptedLine',
            characterId: effect.characterId,
            lineId: effect.id,
            text: effect.text,
            interrupt: effect.interrupt,
          }
        : { type: 'autonomousTopic', topic: { text: effect.text, recentChat: [], source: 'cadence' } };
    const effects = this.#host.floor.dispatch(event);
    const taken = effects.some(
      (e) =>
        e.type === 'speak' &&
        (effect.kind === 'line' ? e.plan.line?.id === effect.id : e.plan.topic !== undefined),
    );
    this.dispatcher.dispatch({ type: 'offerAnswered', id: effect.id, taken });
  }

  #apply(id: string, source: CommandSource, action: CommandAction): void {
    const { show } = this.#host;
    this.#applying = id;
    try {
      // A group call takes only lines and topics (the API refuses the rest before it gets here).
      if (!show)
        return this.#applied(id, {
          ok: false,
          code: 'unsupported',
          message: `${action.type} needs a stage: a group call has none`,
        });
      switch (action.type) {
        case 'switch': {
          const r = show.switchTo(action.characterId, action.transition, showSource(source));
          const pending = r.ok && this.#pendingSwitch?.id === id;
          return this.#applied(id, r.ok ? { ok: true, pending } : r);
        }
        case 'expression':
        case 'motion': {
          const who = action.characterId ?? show.active;
          const previous = who === null ? null : show.expressionOf(who);
          const r =
            action.type === 'expression'
              ? show.expression(action.name, who ?? undefined, showSource(source))
              : show.motion(action.name, who ?? undefined, showSource(source));
          return this.#applied(id, r.ok ? { ok: true, previousExpression: previous } : r);
        }
        case 'autonomous':
          this.#host.setAutonomous(action.enabled);
          return this.#applied(id, { ok: true });
        case 'moderate':
          this.#host.moderate(action);
          return this.#applied(id, { ok: true });
        default:
          return this.#applied(id, {
            ok: false,
            code: 'unsupported',
            message: `${action.type} is not applied`,
          });
      }
    } finally {
      this.#applying = null;
    }
  }

  #applied(
    id: string,
    r:
      | { ok: true; pending?: boolean; previousExpression?: string | null }
      | { ok: false; code: string; message: string },
  ): void {
    this.dispatcher.dispatch({
      type: 'applied',
      id,
      result: r.ok ? r : { ok: false, rateLimited: r.code === 'rateLimited', message: r.message },
    });
  }

  /** A dramatic switch started by a command: done once revealed, superseded when overtaken. */
  #showEffect(effect: ShowEffect): void {
    const pending = this.#pendingSwitch;
    if (effect.type === 'announce' && this.#applying !== null) {
      this.#pendingSwitch = { switchId: effect.switchId, id: this.#applying };
    } else if (effect.type === 'cancelAnnouncement' && pending?.switchId === effect.switchId) {
      this.#pendingSwitch = null;
      this.dispatcher.dispatch({ type: 'settled', id: pending.id, outcome: 'superseded' });
    } else if (
      effect.type === 'publish' &&
      effect.message.type === 'switch' &&
      effect.message.transition === 'dramatic' &&
      pending &&
      this.#applying !== pending.id
    ) {
      this.#pendingSwitch = null;
      this.dispatcher.dispatch({ type: 'settled', id: pending.id, outcome: 'done' });
    }
  }

  #finished(effect: Extract<CommandEffect, { type: 'finished' }>): void {
    const { id, source, action, result } = effect;
    this.#host.logger.info(
      { command: id, source, action, outcome: result.outcome, reason: result.reason },
      'show command finished',
    );
    if (source === 'api') this.#report(id, result);
  }

  #report(id: string, body: ShowCommandReport | 'received'): void {
    const report = this.#host.report(id, body);
    this.#reports.add(report);
    void report.then((ok) => {
      this.#reports.delete(report);
      if (!ok) this.#host.logger.warn({ command: id }, 'show command report not delivered');
    });
  }
}
