import { CallControlsBar } from './call-controls-view.ts';
import { h, setFlag, setText } from './dom.ts';
import { castStatus, castView, peopleView } from './group-state.ts';
import type { CastMember, GroupCallState } from './group-state.ts';
import { isInCall } from './room-status.ts';
import { hrefFor } from './router.ts';
import { transcriptPanel } from './transcript-view.ts';
import type { TranscriptView } from './transcript-view.ts';

/** How often avatars are redrawn in a call: a character's light fades `holdMs` after its voice does. */
const TICK_MS = 100;

/**
 * The group call's elements, built once and updated from `GroupCallState` by `render`: the cast's
 * avatars, the people, the transcript, the controls and the invite link. While in a call it
 * redraws itself every `TICK_MS`, so lights fade without an event.
 */
export class GroupCallView {
  readonly element: HTMLElement;
  readonly bar: CallControlsBar;
  readonly invite: HTMLButtonElement;
  readonly audioContainer: HTMLElement;
  readonly #avatars = new Map<string, { li: HTMLLIElement; portrait: HTMLElement; status: HTMLElement }>();
  readonly #people: HTMLElement;
  readonly #personEls = new Map<string, HTMLLIElement>();
  readonly #inviteUrl: HTMLInputElement;
  readonly #inviteNote: HTMLElement;
  readonly #transcript: TranscriptView;
  #shown: GroupCallState | null = null;
  #ticker: ReturnType<typeof setInterval> | null = null;

  /** @param banner the presence banner's element, placed under the cast. */
  constructor(cast: CastMember[], banner: HTMLElement) {
    const castList = h('ul', { class: 'group-cast', 'data-testid': 'group-cast' });
    for (const c of cast) {
      const status = h(
        'span',
        { class: 'cast-status', 'data-testid': `cast-status-${c.id}` },
        'Not here yet',
      );
      const portrait = h(
        'div',
        { class: 'portrait' },
        h('img', { src: c.avatarUrl, alt: `Portrait of ${c.name}`, width: 96, height: 96 }),
      );
      const li = h(
        'li',
        {
          class: 'cast-member',
          'data-testid': `cast-${c.id}`,
          'data-character-id': c.id,
          'data-speaking': 'false',
          'data-present': 'false',
          'data-floor': 'false',
        },
        portrait,
        h('span', { class: 'cast-name' }, c.name),
        status,
      );
      this.#avatars.set(c.id, { li, portrait, status });
      castList.append(li);
    }
    this.#people = h('ul', { class: 'group-people', 'data-testid': 'people' });
    this.invite = h(
      'button',
      { type: 'button', class: 'button secondary', 'data-testid': 'copy-invite', hidden: true },
      'Copy invite link',
    );
    this.bar = new CallControlsBar(
      {
        startTestId: 'group-join',
        startLabel: 'Join the call',
        endTestId: 'leave-call',
        endLabel: 'Leave',
        audioLabel: 'Click to hear the characters',
      },
      this.invite,
    );
    this.#inviteUrl = h('input', {
      type: 'text',
      readonly: true,
      class: 'invite-url',
      'data-testid': 'invite-url',
      'aria-label': 'Invite link',
      hidden: true,
    });
    this.#inviteNote = h('p', { class: 'hint', 'data-testid': 'invite-note', role: 'status' });
    const transcript = transcriptPanel('group-transcript-title');
    this.#transcript = transcript.view;
    this.audioContainer = h('div', { class: 'audio-sink', 'aria-hidden': 'true' });
    this.element = h(
      'section',
      { class: 'group-call', 'data-testid': 'group-call', 'data-floor-state': 'open' },
      h('a', { class: 'back', href: hrefFor({ name: 'group' }) }, '← Choose another cast'),
      h('h1', {}, `Group call with ${cast.map((c) => c.name).join(', ')}`),
      castList,
      banner,
      h(
        'div',
        { class: 'group-grid' },
        h(
          'div',
          { class: 'group-side' },
          h('div', { class: 'pills' }, this.bar.connection),
          this.bar.controls,
          this.#inviteUrl,
          this.#inviteNote,
          this.bar.error,
          h('h2', { id: 'group-people-title' }, 'People'),
          this.#people,
        ),
        transcript.element,
      ),
      this.audioContainer,
    );
  }

  render(s: GroupCallState, now = Date.now()): void {
    const shown = this.#shown;
    this.#shown = s;
    this.bar.render(s);
    const inCall = isInCall(s.state);
    this.invite.hidden = !inCall || s.sessionId === null;
    this.invite.disabled = s.invite.pending;
    const url = this.#inviteUrl;
    url.hidden = s.invite.url === null;
    if (s.invite.url !== null && url.value !== s.invite.url) url.value = s.invite.url;
    setText(this.#inviteNote, s.invite.note);
    if (s.invite.copied !== null) setFlag(this.#inviteNote, 'copied', s.invite.copied);
    this.#renderCast(s, now);
    this.#renderPeople(s, now);
    if (s.room.transcript !== shown?.room.transcript) this.#transcript.update(s.room.transcript);
    if (inCall && this.#ticker === null)
      this.#ticker = setInterval(() => this.#shown && this.render(this.#shown), TICK_MS);
    if (!inCall) this.stopTicking();
  }

  /** Selects the invite link, so it can be copied by hand. */
  selectInvite(): void {
    this.#inviteUrl.select();
  }

  /** Stops the redraws (the page is going away). */
  stopTicking(): void {
    if (this.#ticker === null) return;
    clearInterval(this.#ticker);
    this.#ticker = null;
  }

  #renderCast(s: GroupCallState, now: number): void {
    const absent = new Map(s.arrival.members.map((m) => [m.id, m.label]));
    for (const c of castView(s.room, now)) {
      const el = this.#avatars.get(c.id);
      if (el === undefined) continue;
      setFlag(el.li, 'speaking', c.speaking);
      setFlag(el.li, 'present', c.present);
      setFlag(el.li, 'floor', c.holdsFloor);
      setFlag(el.li, 'next', c.next);
      setFlag(el.portrait, 'speaking', c.speaking);
      setText(el.status, castStatus(c, absent.get(c.id) ?? null));
    }
    this.element.setAttribute('data-floor-state', s.room.floor?.state ?? 'open');
  }

  #renderPeople(s: GroupCallState, now: number): void {
    const items = peopleView(s.room, now).map((p) => {
      let li = this.#personEls.get(p.identity);
      if (li === undefined) {
        li = h('li', { class: 'person', 'data-testid': 'person', 'data-identity': p.identity });
        this.#personEls.set(p.identity, li);
      }
      setText(li, p.isLocal ? `${p.name} (you)` : p.name);
      setFlag(li, 'speaking', p.speaking);
      setFlag(li, 'local', p.isLocal);
      return li;
    });
    const kids = this.#people.children;
    if (items.length !== kids.length || items.some((el, i) => kids[i] !== el))
      this.#people.replaceChildren(...items);
  }
}
