/**
 * Show control of broadcasts: which character is in the spotlight and how it changes, the
 * characters' expressions and motions, and the captions, chat lines, notices and speaking states
 * the stage renders. Everything leaves as `StageMessage`s (protocol/broadcast-stage.ts) on
 * `STAGE_TOPIC`, so the stage page and the built-in video output share one contract. Pure logic
 * on an injectable clock and scheduler; the group job publishes and speaks what it asks for.
 *
 * ```ts
 * const show = new ShowController(cast, { hostCharacterId: 'ada' }, { initialActive: 'ada' });
 * show.subscribe((e) => { switch (e.type) { case 'publish': … case 'announce': … } });
 * const r = show.switchTo('bob', 'dramatic', 'chat'); if (!r.ok) reply(user, r.message);
 * ```
 *
 * Effects: `publish` {message} (send on `STAGE_TOPIC`); `announce` {switchId, byCharacterId, text}
 * (have that character say it, then call `announcementFinished(switchId)`); `cancelAnnouncement`
 * {switchId, byCharacterId} (a newer switch overtook it: stop that speech).
 *
 * Rules:
 * - `instant` and `smooth` switches publish at once (`durationMs` 0 / `smoothMs`). A `dramatic`
 *   one first asks the host character (or else the outgoing one) to announce the newcomer; the
 *   switch is published when the announcement finished or after `announceTimeoutMs`. With no one
 *   to announce, it is published at once.
 * - Expressions and motions must be in the allowed lists (per character when configured).
 * - Commands from chat are rate-limited (`chatSwitchCooldownMs`, `chatGestureCooldownMs`) and
 *   may not overtake a pending dramatic switch; operator and director commands are not limited.
 *   A rejected command uses no cooldown.
 */
import type { ChatNotice, StageMessage, StageStateMessage, StageTransition } from '../../protocol/index.ts';
import { systemClock, type FloorClock, type FloorScheduler } from '../runtime/clock.ts';

export interface ShowCharacter {
  id: string;
  name: string;
}

export interface ShowOptions {
  /** Expressions the stage can render. @defaultValue neutral, happy, sad, angry, surprised, thinking, laughing */
  expressions: readonly string[];
  /** Motions the stage can play. @defaultValue wave, nod, shake-head, bow, shrug, dance, jump */
  motions: readonly string[];
  /** Per-character lists replacing the global ones (avatars differ in what they can do). @defaultValue {} */
  gestures: Record<string, { expressions?: readonly string[]; motions?: readonly string[] }>;
  /** Length of a smooth cross-fade. @defaultValue 800 */
  smoothMs: number;
  /** Length of the reveal after a dramatic announcement. @defaultValue 1500 */
  dramaticMs: number;
  /** The character who announces dramatic switches; null: the outgoing one. @defaultValue null */
  hostCharacterId: string | null;
  /** What is announced; `{name}` is replaced by the newcomer's name. @defaultValue 'And now… {name}!' */
  announceTemplate: string;
  /** A dramatic switch completes after this long even if the announcement never finished. @defaultValue 8000 */
  announceTimeoutMs: number;
  /** At most one switch from chat this often. @defaultValue 10000 */
  chatSwitchCooldownMs: number;
  /** At most one expression or motion from chat this often. @defaultValue 3000 */
  chatGestureCooldownMs: number;
}

export const defaultShowOptions: ShowOptions = {
  expressions: ['neutral', 'happy', 'sad', 'angry', 'surprised', 'thinking', 'laughing'],
  motions: ['wave', 'nod', 'shake-head', 'bow', 'shrug', 'dance', 'jump'],
  gestures: {},
  smoothMs: 800,
  dramaticMs: 1500,
  hostCharacterId: null,
  announceTemplate: 'And now… {name}!',
  announceTimeoutMs: 8000,
  chatSwitchCooldownMs: 10_000,
  chatGestureCooldownMs: 3000,
};

/** Who asked: chat commands are rate-limited, the operator's and the director's are not. */
export type ShowSource = 'operator' | 'chat' | 'director';

export type ShowRejectionCode =
  | 'unknownCharacter'
  | 'unknownExpression'
  | 'unknownMotion'
  | 'noActiveCharacter'
  | 'alreadyActive'
  | 'switchPending'
  | 'rateLimited';

export type ShowResult =
  | { ok: true }
  /** `message` is fit to tell the chat user; `retryAfterMs` is set when rate-limited. */
  | { ok: false; code: ShowRejectionCode; message: string; retryAfterMs?: number };

export type ShowEffect =
  | { type: 'publish'; message: StageMessage }
  | { type: 'announce'; switchId: string; byCharacterId: string; text: string }
  | { type: 'cancelAnnouncement'; switchId: string; byCharacterId: string };

export interface ShowDeps {
  /** @defaultValue systemClock */
  clock: FloorClock;
  /** @defaultValue systemClock */
  scheduler: FloorScheduler;
  /** The character on stage at start; null: nobody until the first switch. @defaultValue null */
  initialActive: string | null;
}

type StageMessageBody = StageMessage extends infer M ? (M extends unknown ? Omit<M, 'seq'> : never) : never;

interface PendingSwitch {
  switchId: string;
  characterId: string;
  byCharacterId: string;
  cancelTimer: () => void;
}

const reject = (code: ShowRejectionCode, message: string, retryAfterMs?: number): ShowResult => ({
  ok: false,
  code,
  message,
  ...(retryAfterMs !== undefined && { retryAfterMs }),
});

export class ShowController {
  readonly options: ShowOptions;
  readonly characters: readonly ShowCharacter[];
  readonly #clock: FloorClock;
  readonly #scheduler: FloorScheduler;
  readonly #listeners = new Set<(effect: ShowEffect) => void>();
  readonly #expressions: Record<string, string> = {};
  #active: string | null;
  #pending: PendingSwitch | null = null;
  #seq = 0;
  #switches = 0;
  #chatSwitchAt = -Infinity;
  #chatGestureAt = -Infinity;

  constructor(
    characters: readonly ShowCharacter[],
    options: Partial<ShowOptions> = {},
    deps: Partial<ShowDeps> = {},
  ) {
    this.options = { ...defaultShowOptions, ...options };
    this.characters = characters;
    this.#clock = deps.clock ?? systemClock;
    this.#scheduler = deps.scheduler ?? systemClock;
    const initial = deps.initialActive ?? null;
    this.#active = characters.some((c) => c.id === initial) ? initial : null;
  }

  /** The character in the spotlight (a dramatic switch changes it once announced). */
  get active(): string | null {
    return this.#active;
  }

  /** The expression `characterId` shows now, if one was set. */
  expressionOf(characterId: string): string | null {
    return this.#expressions[characterId] ?? null;
  }

  /** The character a dramatic switch is announcing, if any. */
  get pending(): string | null {
    return this.#pending?.characterId ?? null;
  }

  subscribe(listener: (effect: ShowEffect) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  switchTo(characterId: string, transition: StageTransition, source: ShowSource = 'operator'): ShowResult {
    const target = this.characters.find((c) => c.id === characterId);
    if (!target) return reject('unknownCharacter', `There is no character "${characterId}" on this show.`);
    if (source === 'chat') {
      if (this.#pending)
        return reject('switchPending', `${this.#nameOf(this.#pending.characterId)} is being announced.`);
      const wait = this.#chatSwitchAt + this.options.chatSwitchCooldownMs - this.#clock.now();
      if (wait > 0) return reject('rateLimited', 'The stage just changed; try again in a moment.', wait);
    }
    if (this.#pending?.characterId === characterId)
      return reject('switchPending', `${target.name} is being announced.`);
    if (this.#active === characterId && !this.#pending)
      return reject('alreadyActive', `${target.name} is already on stage.`);
    if (source === 'chat') this.#chatSwitchAt = this.#clock.now();
    this.#cancelPending();
    // Back to the one still on stage while another was being announced: the cancel is enough.
    if (this.#active === characterId) return { ok: true };
    if (transition !== 'dramatic') {
      this.#complete(characterId, transition, transition === 'smooth' ? this.options.smoothMs : 0);
      return { ok: true };
    }
    const host = this.options.hostCharacterId;
    const byCharacterId = [host, this.#active].find(
      (id): id is string => id !== null && id !== characterId && this.characters.some((c) => c.id === id),
    );
    if (byCharacterId === undefined) {
      this.#complete(characterId, 'dramatic', this.options.dramaticMs);
      return { ok: true };
    }
    this.#switches += 1;
    const switchId = `s${this.#switches}`;
    const cancelTimer = this.#scheduler.schedule(this.#clock.now() + this.options.announceTimeoutMs, () =>
      this.announcementFinished(switchId),
    );
    this.#pending = { switchId, characterId, byCharacterId, cancelTimer };
    const text = this.options.announceTemplate.replaceAll('{name}', target.name);
    this.#emit({ type: 'announce', switchId, byCharacterId, text });
    return { ok: true };
  }

  /** The announcement of `switchId` was spoken (or failed): the dramatic switch goes ahead. */
  announcementFinished(switchId: string): void {
    const pending = this.#pending;
    if (pending?.switchId !== switchId) return;
    pending.cancelTimer();
    this.#pending = null;
    this.#complete(pending.characterId, 'dramatic', this.options.dramaticMs);
  }

  expression(name: string, characterId?: string, source: ShowSource = 'operator'): ShowResult {
    return this.#gesture('expression', name, characterId, source);
  }

  motion(name: string, characterId?: string, source: ShowSource = 'operator'): ShowResult {
    return this.#gesture('motion', name, characterId, source);
  }

  /** What `characterId` (default: the active one) may show. */
  allowed(kind: 'expression' | 'motion', characterId = this.#active): readonly string[] {
    const own = characterId === null ? undefined : this.options.gestures[characterId];
    return kind === 'expression'
      ? (own?.expressions ?? this.options.expressions)
      : (own?.motions ?? this.options.motions);
  }

  /** A caption of `speaker` (character id or identity); interim ones are replaced by the next. */
  caption(speaker: string, name: string, text: string, final: boolean): void {
    this.#publish({ type: 'caption', speaker, name, text: text.trim().slice(0, 2000), final });
  }

  /** A chat line for the stage's recent chat (moderated already); blank lines are not shown. */
  chat(user: string, text: string, color?: string): void {
    const line = text.trim().slice(0, 500);
    if (!line || !user.trim()) return;
    const ok = color !== undefined && /^#[0-9a-fA-F]{6}$/.test(color);
    this.#publish({ type: 'chat', user: user.trim().slice(0, 64), text: line, ...(ok && { color }) });
  }

  notice(notice: ChatNotice): void {
    this.#publish({ type: 'notice', notice });
  }

  speaking(speaker: string, role: 'human' | 'character', speaking: boolean): void {
    this.#publish({ type: 'speaking', speaker, role, speaking });
  }

  /** Publishes the whole stage (for a viewer that joined late) and returns it. */
  publishState(): StageStateMessage {
    const message: Omit<StageStateMessage, 'seq'> = {
      type: 'stage',
      active: this.#active,
      cast: this.characters.map(({ id, name }) => ({ id, name })),
      expressions: { ...this.#expressions },
    };
    return this.#publish(message) as StageStateMessage;
  }

  /** Stops a pending announcement timer. */
  close(): void {
    this.#pending?.cancelTimer();
    this.#pending = null;
  }

  #gesture(
    kind: 'expression' | 'motion',
    name: string,
    characterId: string | undefined,
    source: ShowSource,
  ): ShowResult {
    const id = characterId ?? this.#active;
    if (id === null) return reject('noActiveCharacter', 'Nobody is on stage yet.');
    const character = this.characters.find((c) => c.id === id);
    if (!character) return reject('unknownCharacter', `There is no character "${id}" on this show.`);
    const allowed = this.allowed(kind, id);
    if (!allowed.includes(name)) {
      const code = kind === 'expression' ? 'unknownExpression' : 'unknownMotion';
      return reject(
        code,
        `${character.name} has no ${kind} "${name.slice(0, 40)}". Try: ${allowed.join(', ')}.`,
      );
    }
    if (source === 'chat') {
      const wait = this.#chatGestureAt + this.options.chatGestureCooldownMs - this.#clock.now();
      if (wait > 0) return reject('rateLimited', 'Give the stage a moment; try again shortly.', wait);
      this.#chatGestureAt = this.#clock.now();
    }
    if (kind === 'expression') this.#expressions[id] = name;
    this.#publish({ type: kind, characterId: id, name });
    return { ok: true };
  }

  #complete(characterId: string, transition: StageTransition, durationMs: number): void {
    const from = this.#active;
    this.#active = characterId;
    this.#publish({ type: 'switch', characterId, from, transition, durationMs });
  }

  #cancelPending(): void {
    const pending = this.#pending;
    if (!pending) return;
    pending.cancelTimer();
    this.#pending = null;
    this.#emit({
      type: 'cancelAnnouncement',
      switchId: pending.switchId,
      byCharacterId: pending.byCharacterId,
    });
  }

  #nameOf(id: string): string {
    return this.characters.find((c) => c.id === id)?.name ?? id;
  }

  #publish(body: StageMessageBody): StageMessage {
    const message = { ...body, seq: this.#seq } as StageMessage;
    this.#seq += 1;
    this.#emit({ type: 'publish', message });
    return message;
  }

  #emit(effect: ShowEffect): void {
    for (const listener of this.#listeners) listener(effect);
  }
}
