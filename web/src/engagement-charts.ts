import { s, yAxis } from './charts.ts';
import { divergingChart, horizontalBarChart } from './engagement-geometry.ts';

/** Net sentiment per day (−1 all negative … +1 all positive) as bars around a zero line. */
export function sentimentChartElement(
  days: ReadonlyArray<{ label: string; value: number | null; detail: string }>,
  opts: { title: string; testId: string; labelEvery?: number },
): SVGSVGElement {
  const g = divergingChart(days);
  const every = opts.labelEvery ?? 1;
  return s(
    'svg',
    {
      viewBox: `0 0 ${g.width} ${g.height}`,
      role: 'img',
      'aria-label': opts.title,
      class: 'chart sentiment-chart',
      'data-testid': opts.testId,
    },
    yAxis(g.plot, g.ticks, 'net sentiment'),
    s('line', { x1: g.plot.left, x2: g.plot.right, y1: g.zeroY, y2: g.zeroY, class: 'zero-line' }),
    ...g.bars.map((b, i) =>
      s(
        'g',
        { class: 'sentiment-bar', 'data-label': b.label, 'data-value': b.value ?? '', 'data-sign': b.sign },
        s(
          'rect',
          { x: b.x, y: b.y, width: b.width, height: b.height, class: `bar ${b.sign}` },
          s('title', {}, `${b.label}: ${days[i]!.detail}`),
        ),
        i % every === 0
          ? s('text', { x: b.x + b.width / 2, y: g.plot.bottom + 16, 'text-anchor': 'middle' }, b.label)
          : '',
      ),
    ),
  );
}

/** The terms people said most, one labelled bar each, longest first. */
export function topicsChartElement(
  topics: ReadonlyArray<{ term: string; count: number }>,
  opts: { title: string; testId: string },
): SVGSVGElement {
  const g = horizontalBarChart(topics.map((t) => ({ label: t.term, value: t.count })));
  return s(
    'svg',
    {
      viewBox: `0 0 ${g.width} ${g.height}`,
      role: 'img',
      'aria-label': opts.title,
      class: 'chart topics-chart',
      'data-testid': opts.testId,
    },
    s(
      'g',
      { class: 'axis x-axis' },
      ...g.ticks.flatMap((t) => [
        s('line', { x1: t.y, x2: t.y, y1: g.plot.top, y2: g.plot.bottom, class: 'gridline' }),
        s('text', { x: t.y, y: g.plot.bottom + 16, 'text-anchor': 'middle' }, t.label),
      ]),
    ),
    ...g.bars.map((b) =>
      s(
        'g',
        { class: 'topic-bar', 'data-label': b.label, 'data-value': b.value },
        s('text', { x: b.labelX, y: b.labelY, 'text-anchor': 'end', 'dominant-baseline': 'middle' }, b.label),
        s(
          'rect',
          { x: b.x, y: b.y, width: b.width, height: b.height, class: 'bar' },
          s('title', {}, `${b.label}: said ${b.value} times`),
        ),
      ),
    ),
  );
}
