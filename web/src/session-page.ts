import type { SessionDetail, Turn } from '../../protocol/index.ts';
import { getCharacter } from './api-characters.ts';
import { createInvite, deleteSession, exportSession, getSession } from './api-sessions.ts';
import { downloadButton, messageOf } from './builder-extras.ts';
import { latencyChartElement } from './charts.ts';
import { h, showPageError } from './dom.ts';
import { sendToSignIn } from './page-guard.ts';
import { formatDuration } from './format.ts';
import { hrefFor } from './router.ts';
import { offsetLabel, splitHeard } from './turns.ts';

/** One past session: transcript, per-reply latency chart, export and delete; returns its cleanup. */
export function renderSessionPage(root: HTMLElement, sessionId: string): () => void {
  const controller = new AbortController();
  if (sendToSignIn({ name: 'session', sessionId })) return () => undefined;
  const status = h('p', { class: 'status', role: 'status' }, 'Loading the session…');
  root.replaceChildren(h('section', { class: 'session' }, status));
  getSession(sessionId)
    .then((s) => {
      if (!controller.signal.aborted) mount(root, s);
    })
    .catch((err: unknown) => {
      if (controller.signal.aborted) return;
      showPageError(status, messageOf(err), 'error');
    });
  return () => controller.abort();
}

function turnItem(t: Turn, sessionStart: string): HTMLElement {
  const { heard, unheard } = splitHeard(t);
  return h(
    'li',
    {
      class: `line ${t.role}`,
      'data-testid': 'history-turn',
      'data-role': t.role,
      'data-interrupted': String(t.interrupted),
    },
    h('span', { class: 'speaker' }, t.speakerName || t.speaker),
    h(
      'time',
      { class: 'stamp', datetime: t.startedAt, title: new Date(t.startedAt).toLocaleString() },
      offsetLabel(t.startedAt, sessionStart),
    ),
    h(
      'span',
      { class: 'text' },
      heard,
      unheard === ''
        ? null
        : h(
            'span',
            {
              class: 'unheard',
              'data-testid': 'unheard',
              title: 'Generated but not heard: the caller interrupted',
            },
            unheard,
          ),
      t.interrupted ? h('span', { class: 'pill interrupted' }, 'interrupted') : null,
    ),
  );
}

function mount(root: HTMLElement, s: SessionDetail): void {
  // Offsets count from the earliest of the session's start and its first turn.
  const first = s.transcript[0]?.startedAt;
  const start0 = s.startedAt ?? s.createdAt;
  const start = first !== undefined && Date.parse(first) < Date.parse(start0) ? first : start0;
  const errorEl = h('p', { class: 'error', role: 'alert', hidden: true });
  const showError = (err: unknown): void => {
    errorEl.hidden = false;
    errorEl.textContent = messageOf(err);
  };
  const exportButton = (format: 'json' | 'text', label: string): HTMLElement =>
    downloadButton(
      `export-${format}`,
      label,
      () => exportSession(s.id, format),
      `troupe-session-${s.id}.${format === 'json' ? 'json' : 'txt'}`,
      showError,
    );
  const del = h(
    'button',
    { type: 'button', class: 'button danger', 'data-testid': 'delete-session' },
    'Delete',
  );
  del.addEventListener('click', () => {
    if (!window.confirm('Delete this session and its transcript? This cannot be undone.')) return;
    deleteSession(s.id)
      .then(() => (window.location.hash = hrefFor({ name: 'history' })))
      .catch(showError);
  });
  const inviteOut = h('p', { class: 'hint', 'data-testid': 'invite-link' });
  const invite = h(
    'button',
    { type: 'button', class: 'button secondary', 'data-testid': 'create-invite' },
    'Invite a guest',
  );
  invite.addEventListener('click', () => {
    createInvite(s.id)
      .then((inv) => {
        inviteOut.replaceChildren(
          'Share this link (until ',
          new Date(inv.expiresAt).toLocaleTimeString(),
          '): ',
          h('a', { href: inv.url }, inv.url),
        );
      })
      .catch(showError);
  });

  const characters = s.characterIds ?? [s.characterId];
  const kind = s.mode === 'group' ? 'Group call' : 'Call';
  const title = h('h1', {}, `${kind} with ${characters.join(', ')}`);
  // The session names its characters by id; their names arrive when they do.
  void Promise.all(
    characters.map((id) =>
      getCharacter(id).then(
        (c) => c.name,
        () => id,
      ),
    ),
  ).then((names) => {
    title.textContent = `${kind} with ${names.join(', ')}`;
  });
  const replies = s.transcript.filter((t) => t.role === 'assistant').length;
  root.replaceChildren(
    h(
      'section',
      { class: 'session', 'data-testid': 'session-page', 'data-session-id': s.id },
      h('a', { class: 'back', href: hrefFor({ name: 'history' }) }, '← History'),
      title,
      h(
        'p',
        { class: 'lede' },
        new Date(s.createdAt).toLocaleString(),
        ' · ',
        s.status,
        s.durationMs === null ? '' : ` · ${formatDuration(s.durationMs)}`,
        s.providers === null ? '' : ` · ${s.providers.stt} → ${s.providers.llm} → ${s.providers.tts}`,
      ),
      h(
        'div',
        { class: 'controls start' },
        exportButton('json', 'Export JSON'),
        exportButton('text', 'Export text'),
        s.status === 'ended' ? null : invite,
        del,
      ),
      inviteOut,
      errorEl,
      h(
        'div',
        { class: 'session-grid' },
        h(
          'section',
          { class: 'transcript-panel', 'aria-labelledby': 'session-transcript-title' },
          h('h2', { id: 'session-transcript-title' }, 'Transcript'),
          s.transcript.length === 0
            ? h('p', { class: 'empty' }, 'Nothing was said in this session.')
            : h(
                'ol',
                { class: 'transcript', 'data-testid': 'history-transcript' },
                ...s.transcript.map((t) => turnItem(t, start)),
              ),
        ),
        h(
          'section',
          { class: 'panel', 'aria-labelledby': 'latency-title' },
          h('h2', { id: 'latency-title' }, 'Latency per reply'),
          replies === 0
            ? h('p', { class: 'empty' }, 'No replies to chart.')
            : latencyChartElement(s.transcript),
        ),
      ),
    ),
  );
}
