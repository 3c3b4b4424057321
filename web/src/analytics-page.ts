import type { Analytics, Percentiles } from '../../protocol/index.ts';
import { getCharacter } from './api-characters.ts';
import { getAnalytics } from './api-sessions.ts';
import { messageOf } from './builder-extras.ts';
import { formatMs, hoursOfDay } from './chart-geometry.ts';
import { countChartElement } from './charts.ts';
import { h } from './dom.ts';
import { engagementView, getEngagement } from './engagement-view.ts';
import { sendToSignIn } from './page-guard.ts';
import { analyticsRanges } from './query.ts';
import type { AnalyticsRangeDays } from './query.ts';
import { hrefFor } from './router.ts';

function figure(label: string, value: string, testId: string): HTMLElement {
  return h('div', { class: 'figure', 'data-testid': testId }, h('dt', {}, label), h('dd', {}, value));
}

const pct = (p: Percentiles, which: 'p50' | 'p95'): string => (p[which] === null ? '—' : formatMs(p[which]));

function view(a: Analytics): HTMLElement[] {
  const perDay = a.perDay.map((d) => ({ label: d.date.slice(5), value: d.sessions }));
  return [
    h(
      'dl',
      { class: 'figures', 'data-testid': 'analytics-totals' },
      figure('Sessions', String(a.sessions), 'total-sessions'),
      figure('Minutes', a.minutes.toFixed(1), 'total-minutes'),
      figure('Caller turns', String(a.turns), 'total-turns'),
      figure('Replies', String(a.replies), 'total-replies'),
      figure('Interruptions', String(a.interruptions), 'total-interruptions'),
    ),
    h(
      'table',
      { class: 'latency-table', 'data-testid': 'analytics-latency' },
      h('caption', {}, 'Latency'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Stage'),
          h('th', { scope: 'col' }, 'p50'),
          h('th', { scope: 'col' }, 'p95'),
        ),
      ),
      h(
        'tbody',
        {},
        ...(
          [
            ['Voice to voice', a.voiceToVoiceMs],
            ['LLM first token', a.llmTtftMs],
            ['TTS first byte', a.ttsTtfbMs],
          ] as const
        ).map(([label, p]) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, label),
            h('td', {}, pct(p, 'p50')),
            h('td', {}, pct(p, 'p95')),
          ),
        ),
      ),
    ),
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, 'Busiest hours (UTC)'),
      countChartElement(hoursOfDay(a.busiestHours), {
        title: 'Sessions started in each hour of the day',
        yTitle: 'sessions',
        testId: 'busiest-hours-chart',
        labelEvery: 3,
      }),
    ),
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, 'Sessions per day'),
      countChartElement(perDay, {
        title: 'Sessions per day',
        yTitle: 'sessions',
        testId: 'per-day-chart',
        labelEvery: Math.max(1, Math.ceil(perDay.length / 10)),
      }),
    ),
  ];
}

/** Figures for the account, or for one character; returns its cleanup. */
export function renderAnalyticsPage(root: HTMLElement, characterId: string | undefined): () => void {
  const controller = new AbortController();
  if (sendToSignIn({ name: 'analytics', ...(characterId ? { characterId } : {}) })) return () => undefined;
  let days: AnalyticsRangeDays = 30;
  let generation = 0;
  const title = h('h1', {}, characterId === undefined ? 'Your analytics' : `Analytics: ${characterId}`);
  const body = h('div', { class: 'analytics-body', 'data-testid': 'analytics-body' });
  const status = h('p', { class: 'status', role: 'status' });
  const picker = h(
    'div',
    { class: 'chips', role: 'group', 'aria-label': 'Range', 'data-testid': 'range-picker' },
    ...analyticsRanges.map((d) =>
      h(
        'button',
        { type: 'button', class: 'chip', 'data-days': d, 'aria-pressed': String(d === days) },
        `${d} days`,
      ),
    ),
  );
  root.replaceChildren(
    h(
      'section',
      { class: 'analytics', 'data-testid': 'analytics-page' },
      title,
      characterId === undefined
        ? null
        : h(
            'p',
            {},
            h('a', { href: hrefFor({ name: 'history', characterId }) }, 'Sessions with this character'),
          ),
      picker,
      status,
      body,
    ),
  );
  const showError = (err: unknown): void => {
    status.className = 'error';
    status.textContent = messageOf(err);
  };
  const load = (): void => {
    const id = ++generation;
    status.className = 'status';
    status.textContent = 'Loading…';
    for (const b of picker.querySelectorAll('button'))
      b.setAttribute('aria-pressed', String(b.dataset.days === String(days)));
    const range = days;
    const engagement =
      characterId === undefined
        ? Promise.resolve(null)
        : getEngagement(characterId, range).then(
            (e) => engagementView(e, { characterId, days: range, onError: showError }),
            (err: unknown) => h('p', { class: 'error', 'data-testid': 'engagement-error' }, messageOf(err)),
          );
    Promise.all([getAnalytics(characterId, range), engagement])
      .then(([a, e]) => {
        if (controller.signal.aborted || id !== generation) return;
        status.textContent = '';
        body.replaceChildren(...view(a), ...(e ? [e] : []));
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted || id !== generation) return;
        status.className = 'error';
        status.textContent = messageOf(err);
      });
  };
  picker.addEventListener('click', (e) => {
    const d = Number((e.target as HTMLElement).closest<HTMLElement>('[data-days]')?.dataset.days);
    if (!analyticsRanges.includes(d as AnalyticsRangeDays)) return;
    days = d as AnalyticsRangeDays;
    load();
  });
  if (characterId !== undefined) {
    getCharacter(characterId)
      .then((c) => (title.textContent = `Analytics: ${c.name}`))
      .catch(() => undefined);
  }
  load();
  return () => controller.abort();
}
