import type { Broadcast, Character } from '../../protocol/index.ts';
import { ApiError, listCharacters } from './api.ts';
import {
  createBroadcast,
  getBroadcast,
  ownerRoomAccess,
  stageAccess,
  startBroadcast,
  stopBroadcast,
  updateBroadcast,
} from './broadcast-api.ts';
import { createBodyFrom, emptyBroadcastForm, formFromBroadcast, updateBodyFrom } from './broadcast-form.ts';
import { broadcastFormView } from './broadcast-form-view.ts';
import { liveView } from './broadcast-live-view.ts';
import type { LiveView } from './broadcast-live-view.ts';
import { BroadcastRoom } from './broadcast-room.ts';
import { h } from './dom.ts';
import { sendToSignIn } from './page-guard.ts';
import {
  broadcastCast,
  broadcastPresenceEvents,
  initialPresenceState,
  presenceView,
  reducePresence,
  wantsTick,
} from './presence-state.ts';
import type { PresenceEvent } from './presence-state.ts';
import { PresenceBanner } from './presence-view.ts';
import { hrefFor, pathOf } from './router.ts';
import { initialStageState, reduceStage } from './stage-state.ts';
import './broadcast.css';

/** How often the page reads the broadcast's status while it starts, runs or stops. */
export const STATUS_POLL_MS = 2000;
/** How often the wait for the characters is redrawn while the broadcast starts. */
const WAIT_TICK_MS = 500;
const RUNNING: ReadonlyArray<Broadcast['status']> = ['starting', 'live', 'stopping'];
const ON_AIR: ReadonlyArray<Broadcast['status']> = ['starting', 'live'];

const statusLabels: Record<Broadcast['status'], string> = {
  idle: 'Not started',
  starting: 'Starting…',
  live: 'Live',
  stopping: 'Stopping…',
  ended: 'Ended',
  failed: 'Failed',
};

/**
 * `#/broadcast/new` and `#/broadcast/<id>`: the broadcast's settings (write-only keys), Start and
 * Stop, its live status (read every STATUS_POLL_MS while it runs), the OBS URL of its stage page,
 * and, while on air, the owner's controls over the show through the room.
 */
export function renderBroadcastPage(root: HTMLElement, broadcastId?: string): () => void {
  const controller = new AbortController();
  const gone = (): boolean => controller.signal.aborted;
  const here = pathOf(
    broadcastId === undefined
      ? { name: 'broadcast', broadcastId: 'new' }
      : { name: 'broadcast', broadcastId },
  );
  if (sendToSignIn(here)) return () => undefined;
  const loading = h('p', { class: 'status', role: 'status' }, 'Loading…');
  root.replaceChildren(h('section', { class: 'broadcast-page' }, loading));
  const fail = (target: HTMLElement, err: unknown): void => {
    if (gone()) return;
    if (err instanceof ApiError && err.status === 401) {
      window.location.hash = hrefFor({ name: 'signin', next: here });
      return;
    }
    target.className = 'status error';
    target.setAttribute('role', 'alert');
    target.setAttribute('data-testid', 'error');
    target.textContent = err instanceof Error ? err.message : 'Something went wrong.';
  };

  let inner: () => void = () => undefined;
  Promise.all([listCharacters(), broadcastId === undefined ? null : getBroadcast(broadcastId)])
    .then(([characters, broadcast]) => {
      if (!gone()) inner = mountControl(root, characters, broadcast);
    })
    .catch((err: unknown) => fail(loading, err));
  return () => {
    controller.abort();
    inner();
  };
}

function mountControl(root: HTMLElement, characters: Character[], initial: Broadcast | null): () => void {
  let broadcast = initial;
  let closed = false;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  let room: BroadcastRoom | null = null;
  let live: LiveView | null = null;
  let stage = initialStageState();
  // The wait for the characters while `starting`, and `lastError` with Retry once `failed`.
  let arrival = initialPresenceState(broadcastCast);
  /** The status the wait last followed; null makes the next reading begin afresh (a new run). */
  let arrivalOf: Broadcast['status'] | null = null;
  let arrivalTicker: ReturnType<typeof setInterval> | undefined;

  const heading = h('h1', { 'data-testid': 'broadcast-heading' }, broadcast?.title ?? 'New broadcast');
  const status = h('span', { class: 'pill broadcast-status', 'data-testid': 'broadcast-status' });
  const outputUsed = h('span', { class: 'hint', 'data-testid': 'broadcast-output-used' });
  const banner = new PresenceBanner(() => begin(true));
  const actionError = h('p', { class: 'error', role: 'alert', 'data-testid': 'broadcast-action-error' });
  const start = h('button', { type: 'button', 'data-testid': 'broadcast-start' }, 'Start broadcast');
  const stop = h('button', { type: 'button', class: 'danger', 'data-testid': 'broadcast-stop' }, 'Stop');
  const copyObs = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'broadcast-copy-obs' },
    'Copy OBS URL',
  );
  const obsUrl = h('input', {
    type: 'text',
    readonly: true,
    hidden: true,
    'data-testid': 'broadcast-obs-url',
    'aria-label': 'OBS browser source URL',
  });
  const obsNote = h('p', { class: 'hint', 'data-testid': 'broadcast-obs-note' });
  const liveSlot = h('div', { class: 'broadcast-live-slot' });
  const savedNote = h('p', { class: 'hint', role: 'status', 'data-testid': 'broadcast-saved' });

  const castNames = (): Array<{ id: string; name: string }> =>
    (broadcast?.characterIds ?? []).map((id) => ({
      id,
      name: characters.find((c) => c.id === id)?.name ?? id,
    }));

  const form = broadcastFormView(
    characters,
    broadcast === null ? emptyBroadcastForm() : formFromBroadcast(broadcast),
    (values) => {
      actionError.textContent = '';
      savedNote.textContent = '';
      let saving: Promise<Broadcast>;
      if (broadcast === null) {
        const result = createBodyFrom(values);
        if (!result.ok) return form.showProblems(result.problems);
        saving = createBroadcast(result.body);
      } else {
        const result = updateBodyFrom(values);
        if (!result.ok) return form.showProblems(result.problems);
        saving = updateBroadcast(broadcast.id, result.body);
      }
      form.showProblems([]);
      form.setDisabled(true);
      saving
        .then((saved) => {
          if (closed) return;
          if (broadcast === null) {
            window.location.hash = hrefFor({ name: 'broadcast', broadcastId: saved.id });
            return;
          }
          show(saved);
          // Rebuilt from the answer: every secret input is empty again, and says only "Key set".
          form.reset(formFromBroadcast(saved));
          savedNote.textContent = 'Saved.';
        })
        .catch((err: unknown) => {
          if (closed) return;
          form.showProblems([err instanceof Error ? err.message : 'The broadcast was not saved.']);
        })
        .finally(() => {
          if (!closed) form.setDisabled(broadcast !== null && RUNNING.includes(broadcast.status));
        });
    },
  );

  const connectRoom = (access: { url: string; token: string }): void => {
    if (room !== null || broadcast === null) return;
    stage = initialStageState();
    const view = liveView({
      send: (m) =>
        room === null ? Promise.reject(new Error('Not connected to the broadcast room.')) : room.send(m),
      castNames: castNames(),
      autonomousEnabled: broadcast.autonomous.enabled,
    });
    live = view;
    liveSlot.replaceChildren(view.element);
    const current = new BroadcastRoom({
      onEvent: (event) => {
        stage = reduceStage(stage, event);
        view.update(stage);
      },
      onConnection: (state) => view.setConnection(state),
    });
    room = current;
    current.connect(access).catch((err: unknown) => {
      if (room !== current) return;
      view.setConnection('disconnected');
      actionError.textContent = `Could not join the broadcast room: ${err instanceof Error ? err.message : String(err)}`;
    });
  };
  const followArrival = (events: PresenceEvent[]): void => {
    if (closed) return;
    arrival = events.reduce(reducePresence, arrival);
    banner.update(presenceView(arrival));
    const tick = wantsTick(arrival);
    if (tick && arrivalTicker === undefined)
      arrivalTicker = setInterval(() => followArrival([{ type: 'tick', at: Date.now() }]), WAIT_TICK_MS);
    else if (!tick && arrivalTicker !== undefined) {
      clearInterval(arrivalTicker);
      arrivalTicker = undefined;
    }
  };

  const leaveRoom = (): void => {
    room?.close();
    room = null;
    if (live !== null) live.setConnection('disconnected');
  };

  const poll = (): void => {
    clearTimeout(pollTimer);
    if (closed || broadcast === null || !RUNNING.includes(broadcast.status)) return;
    const id = broadcast.id;
    pollTimer = setTimeout(() => {
      getBroadcast(id)
        .then((b) => {
          if (!closed) show(b);
        })
        .catch(() => undefined)
        .finally(() => poll());
    }, STATUS_POLL_MS);
  };

  function show(b: Broadcast): void {
    broadcast = b;
    heading.textContent = b.title;
    status.textContent = statusLabels[b.status];
    status.dataset.status = b.status;
    outputUsed.textContent =
      b.outputUsed === null ? '' : `Output: ${b.outputUsed === 'egress' ? 'LiveKit Egress' : 'built-in'}`;
    followArrival(broadcastPresenceEvents(arrivalOf, b, Date.now()));
    arrivalOf = b.status;
    const running = RUNNING.includes(b.status);
    start.disabled = running;
    stop.disabled = !ON_AIR.includes(b.status);
    copyObs.disabled = !ON_AIR.includes(b.status);
    form.setDisabled(running);
    if (!ON_AIR.includes(b.status)) {
      leaveRoom();
      obsUrl.hidden = true;
      obsNote.textContent = '';
    } else if (room === null && b.sessionId !== null) {
      const sessionId = b.sessionId;
      ownerRoomAccess(sessionId)
        .then((access) => {
          if (!closed && broadcast?.sessionId === sessionId) connectRoom(access);
        })
        .catch((err: unknown) => {
          if (!closed)
            actionError.textContent = `Could not join the broadcast room: ${err instanceof Error ? err.message : String(err)}`;
        });
    }
    poll();
  }

  /** Start, or Retry after a failure: either is a new run of the broadcast. */
  function begin(retry: boolean): void {
    if (broadcast === null) return;
    actionError.textContent = '';
    start.disabled = true;
    if (retry) followArrival([{ type: 'retryClicked', at: Date.now() }]);
    startBroadcast(broadcast.id)
      .then((res) => {
        if (closed) return;
        // The answer carries the owner's room token: no second request before the controls appear.
        connectRoom(res.host);
        arrivalOf = null;
        show(res.broadcast);
      })
      .catch((err: unknown) => {
        if (closed) return;
        start.disabled = false;
        const message = err instanceof Error ? err.message : 'The broadcast did not start.';
        if (retry)
          followArrival([
            { type: 'retryAnswered', result: { ok: false, message, final: false }, at: Date.now() },
          ]);
        else actionError.textContent = message;
        if (broadcast !== null)
          void getBroadcast(broadcast.id)
            .then((b) => !closed && show(b))
            .catch(() => undefined);
      });
  }
  start.addEventListener('click', () => begin(false));
  stop.addEventListener('click', () => {
    if (broadcast === null) return;
    stop.disabled = true;
    stopBroadcast(broadcast.id)
      .then((b) => !closed && show(b))
      .catch((err: unknown) => {
        if (closed) return;
        stop.disabled = false;
        actionError.textContent = err instanceof Error ? err.message : 'The broadcast did not stop.';
      });
  });
  copyObs.addEventListener('click', () => {
    if (broadcast === null) return;
    stageAccess(broadcast.id)
      .then(async (access) => {
        if (closed) return;
        obsUrl.value = access.stageUrl;
        obsUrl.hidden = false;
        obsUrl.select();
        const copied = await navigator.clipboard?.writeText(access.stageUrl).then(
          () => true,
          () => false,
        );
        obsNote.textContent = copied
          ? 'Copied. Add it in OBS as a browser source (1280×720). Anyone with this link can watch the stage.'
          : 'Copy this link into OBS as a browser source (1280×720). Anyone with this link can watch the stage.';
      })
      .catch((err: unknown) => {
        if (!closed) actionError.textContent = err instanceof Error ? err.message : 'No OBS URL.';
      });
  });

  root.replaceChildren(
    h(
      'section',
      { class: 'broadcast-page', 'data-testid': 'broadcast-page' },
      h('p', {}, h('a', { href: hrefFor({ name: 'broadcasts' }), class: 'back' }, '← All broadcasts')),
      heading,
      broadcast === null
        ? h('p', { class: 'hint' }, 'Save the broadcast to start it.')
        : h('div', { class: 'broadcast-bar' }, status, outputUsed, start, stop, copyObs),
      banner.element,
      actionError,
      h('div', { class: 'broadcast-obs' }, obsUrl, obsNote),
      liveSlot,
      h('h2', {}, 'Settings'),
      form.element,
      savedNote,
    ),
  );
  if (broadcast !== null) show(broadcast);
  return () => {
    closed = true;
    clearTimeout(pollTimer);
    clearInterval(arrivalTicker);
    leaveRoom();
  };
}
