import type { CharacterEngagement, SentimentFigures } from '../../protocol/index.ts';
import { request, requestBlob } from './api.ts';
import { downloadButton } from './builder-extras.ts';
import { sentimentChartElement, topicsChartElement } from './engagement-charts.ts';
import { formatRate, formatShare } from './engagement-geometry.ts';
import { h } from './dom.ts';
import { analyticsQueryString } from './query.ts';

const base = (characterId: string) =>
  `/api/analytics/characters/${encodeURIComponent(characterId)}/engagement`;

/** A character's engagement over the last `days` days. */
export const getEngagement = (characterId: string, days: number): Promise<CharacterEngagement> =>
  request('GET', `${base(characterId)}${analyticsQueryString(days)}`);

/** Every session of the last `days` days as CSV rows. */
export const getEngagementCsv = (characterId: string, days: number): Promise<Blob> =>
  requestBlob('GET', `${base(characterId)}${analyticsQueryString(days)}&format=csv`, undefined, 'text/csv');

function figure(label: string, value: string, testId: string, hint?: string): HTMLElement {
  return h(
    'div',
    { class: 'figure', 'data-testid': testId, title: hint },
    h('dt', {}, label),
    h('dd', {}, value),
  );
}

const sentimentDetail = (s: SentimentFigures & { personTurns: number }): string =>
  s.personTurns === 0
    ? 'no turns from people'
    : `${s.positive} positive, ${s.neutral} neutral, ${s.negative} negative (net ${formatRate(s.net, 2)})`;

function panel(title: string, ...children: Array<Node | null>): HTMLElement {
  return h('section', { class: 'panel' }, h('h2', {}, title), ...children);
}

/** The engagement part of a character's analytics page; `onError` shows a failed CSV download. */
export function engagementView(
  e: CharacterEngagement,
  csv: { characterId: string; days: number; onError: (err: unknown) => void },
): HTMLElement {
  const days = e.sentimentPerDay.map((d) => ({
    label: d.date.slice(5),
    value: d.personTurns === 0 ? null : d.net,
    detail: sentimentDetail(d),
  }));
  const sessions = e.recentSessions;
  return h(
    'div',
    { class: 'engagement', 'data-testid': 'engagement' },
    h(
      'div',
      { class: 'panel-heading' },
      h('h2', {}, 'How people engage'),
      downloadButton(
        'engagement-csv',
        'Download sessions (CSV)',
        () => getEngagementCsv(csv.characterId, csv.days),
        `troupe-engagement-${csv.characterId}-${csv.days}d.csv`,
        csv.onError,
      ),
    ),
    h(
      'dl',
      { class: 'figures', 'data-testid': 'engagement-figures' },
      figure('People', String(e.people), 'engagement-people'),
      figure(
        'Came back',
        formatShare(e.returnRate),
        'engagement-return-rate',
        'People with more than one session',
      ),
      figure('Turns a minute', formatRate(e.turnsPerMinute), 'engagement-turns-per-minute'),
      figure('Words a turn', formatRate(e.wordsPerPersonTurn), 'engagement-words-per-turn'),
      figure(
        'Replies answered',
        formatShare(e.followUpRate),
        'engagement-follow-up-rate',
        'Replies followed by a person turn within 30 s',
      ),
      figure('Barge-ins a reply', formatRate(e.bargeInsPerReply, 2), 'engagement-barge-ins'),
      figure('Minutes a session', formatRate(e.sessionMinutes.mean), 'engagement-session-minutes'),
      figure(
        'Net sentiment',
        formatRate(e.sentiment.net, 2),
        'engagement-net-sentiment',
        sentimentDetail({ ...e.sentiment, personTurns: e.personTurns }),
      ),
    ),
    panel(
      'Sentiment of people per day',
      h(
        'p',
        { class: 'muted' },
        'Share of positive minus share of negative turns, from +1 (all positive) to −1 (all negative).',
      ),
      sentimentChartElement(days, {
        title: 'Net sentiment of people’s turns per day',
        testId: 'sentiment-chart',
        labelEvery: Math.max(1, Math.ceil(days.length / 10)),
      }),
    ),
    panel(
      'Topics people raise most',
      e.topics.length === 0
        ? h('p', { class: 'muted', 'data-testid': 'topics-empty' }, 'No topics yet.')
        : topicsChartElement(e.topics, { title: 'Terms people said most', testId: 'topics-chart' }),
    ),
    panel(
      'Latest sessions',
      sessions.length === 0
        ? h('p', { class: 'muted' }, 'No sessions in this range.')
        : h(
            'table',
            { class: 'engagement-table', 'data-testid': 'engagement-sessions' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...[
                  'Started',
                  'Minutes',
                  'Turns',
                  'Turns a minute',
                  'Replies answered',
                  'Barge-ins',
                  'Net sentiment',
                ].map((c) => h('th', { scope: 'col' }, c)),
              ),
            ),
            h(
              'tbody',
              {},
              ...sessions.map((r) =>
                h(
                  'tr',
                  { 'data-session-id': r.sessionId },
                  h('td', {}, new Date(r.createdAt).toLocaleString()),
                  h('td', {}, r.lengthMs === null ? '—' : (r.lengthMs / 60_000).toFixed(1)),
                  h('td', {}, String(r.personTurns + r.replies)),
                  h('td', {}, formatRate(r.turnsPerMinute)),
                  h('td', {}, formatShare(r.followUpRate)),
                  h('td', {}, String(r.interruptions)),
                  h('td', {}, formatRate(r.sentiment.net, 2)),
                ),
              ),
            ),
          ),
    ),
  );
}
