import type { Turn } from '../../protocol/index.ts';
import { countChart, formatMs, latencyChart, latencyStages } from './chart-geometry.ts';
import type { ChartFrame, PlotArea, Tick } from './chart-geometry.ts';
import { h } from './dom.ts';

const svgNs = 'http://www.w3.org/2000/svg';

/** An SVG element; `h()` only makes HTML ones. Shared by the engagement charts (engagement-charts.ts). */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  ...children: Array<Node | string>
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

export function yAxis(plot: PlotArea, ticks: readonly Tick[], title: string): SVGGElement {
  return s(
    'g',
    { class: 'axis y-axis' },
    ...ticks.flatMap((t) => [
      s('line', { x1: plot.left, x2: plot.right, y1: t.y, y2: t.y, class: 'gridline' }),
      s('text', { x: plot.left - 6, y: t.y, 'text-anchor': 'end', 'dominant-baseline': 'middle' }, t.label),
    ]),
    s(
      'text',
      {
        class: 'axis-title',
        transform: `translate(12 ${(plot.top + plot.bottom) / 2}) rotate(-90)`,
        'text-anchor': 'middle',
      },
      title,
    ),
    s('line', { x1: plot.left, x2: plot.right, y1: plot.bottom, y2: plot.bottom, class: 'baseline' }),
  );
}

/** The per-turn latency chart of a session: grouped bars per reply, voice-to-voice as markers and a line. */
export function latencyChartElement(turns: readonly Turn[], frame?: ChartFrame): HTMLElement {
  const g = latencyChart(turns, frame);
  const svg = s(
    'svg',
    {
      viewBox: `0 0 ${g.width} ${g.height}`,
      role: 'img',
      'aria-labelledby': 'latency-chart-title',
      class: 'chart latency-chart',
      'data-testid': 'latency-chart',
      'data-groups': g.groups.length,
    },
    s('title', { id: 'latency-chart-title' }, `Latency per reply, ${g.groups.length} replies`),
    yAxis(g.plot, g.ticks, 'milliseconds'),
    ...g.groups.map((group) =>
      s(
        'g',
        { class: 'bar-group', 'data-testid': 'latency-group', 'data-turn-id': group.turnId },
        ...group.bars.map((b) =>
          s(
            'rect',
            {
              x: b.x,
              y: b.y,
              width: Math.max(0, b.width - 1),
              height: b.height,
              class: `bar stage-${b.stage}`,
              'data-stage': b.stage,
              'data-value-ms': Math.round(b.valueMs),
            },
            s(
              'title',
              {},
              `${latencyStages.find((st) => st.key === b.stage)?.label}: ${formatMs(b.valueMs)}`,
            ),
          ),
        ),
        group.voiceToVoice === null
          ? ''
          : s(
              'line',
              {
                x1: group.voiceToVoice.x1,
                x2: group.voiceToVoice.x2,
                y1: group.voiceToVoice.y,
                y2: group.voiceToVoice.y,
                class: 'v2v-marker',
                'data-value-ms': Math.round(group.voiceToVoice.valueMs),
              },
              s('title', {}, `Voice to voice: ${formatMs(group.voiceToVoice.valueMs)}`),
            ),
        s('text', { x: group.centerX, y: g.plot.bottom + 16, 'text-anchor': 'middle' }, String(group.index)),
      ),
    ),
    g.voiceToVoiceLine === '' ? '' : s('polyline', { points: g.voiceToVoiceLine, class: 'v2v-line' }),
    s(
      'text',
      { class: 'axis-title', x: (g.plot.left + g.plot.right) / 2, y: g.height - 4, 'text-anchor': 'middle' },
      'reply',
    ),
  );
  const legend = h(
    'ul',
    { class: 'legend', 'data-testid': 'latency-legend' },
    ...latencyStages.map((st) =>
      h('li', {}, h('span', { class: `swatch stage-${st.key}`, 'aria-hidden': 'true' }), st.label),
    ),
    h('li', {}, h('span', { class: 'swatch v2v', 'aria-hidden': 'true' }), 'Voice to voice'),
  );
  return h('figure', { class: 'chart-figure' }, svg as unknown as Node, legend);
}

/** A bar chart of counts, e.g. sessions per hour of the day. */
export function countChartElement(
  values: ReadonlyArray<{ label: string; value: number }>,
  opts: { title: string; yTitle: string; testId: string; labelEvery?: number; frame?: ChartFrame },
): SVGSVGElement {
  const g = countChart(values, opts.frame);
  const every = opts.labelEvery ?? 1;
  return s(
    'svg',
    {
      viewBox: `0 0 ${g.width} ${g.height}`,
      role: 'img',
      'aria-label': opts.title,
      class: 'chart count-chart',
      'data-testid': opts.testId,
    },
    yAxis(g.plot, g.ticks, opts.yTitle),
    ...g.bars.map((b, i) =>
      s(
        'g',
        { class: 'count-bar', 'data-label': b.label, 'data-value': b.value },
        s(
          'rect',
          { x: b.x, y: b.y, width: b.width, height: b.height, class: 'bar' },
          s('title', {}, `${b.label}: ${b.value}`),
        ),
        i % every === 0
          ? s('text', { x: b.x + b.width / 2, y: g.plot.bottom + 16, 'text-anchor': 'middle' }, b.label)
          : '',
      ),
    ),
  );
}
