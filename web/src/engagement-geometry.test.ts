import { describe, expect, it } from 'vitest';
import { defaultChartFrame } from './chart-geometry.ts';
import {
  divergingChart,
  formatRate,
  formatShare,
  horizontalBarChart,
  topicsFrame,
} from './engagement-geometry.ts';

describe('net sentiment chart', () => {
  // Plot: x 56…628, y 12…224 (zero line at 118, 106 units each way).
  it('when days are positive, negative, zero or empty, then bars rise, fall, flatten or vanish at the zero line', () => {
    const g = divergingChart([
      { label: 'a', value: 1 },
      { label: 'b', value: -0.5 },
      { label: 'c', value: 0 },
      { label: 'd', value: null },
    ]);
    expect(g.zeroY).toBe(118);
    const slot = (628 - 56) / 4;
    expect(g.bars.map((b) => [b.sign, b.y, b.height])).toEqual([
      ['positive', 12, 106],
      ['negative', 118, 53],
      ['zero', 118, 0],
      ['none', 118, 0],
    ]);
    expect(g.bars[1]!.x).toBeCloseTo(56 + slot + slot * 0.1);
    expect(g.bars[1]!.width).toBeCloseTo(slot * 0.8);
    expect(g.ticks.map((t) => [t.label, t.y])).toEqual([
      ['-1', 224],
      ['-0.5', 171],
      ['0', 118],
      ['+0.5', 65],
      ['+1', 12],
    ]);
  });

  it('when a value lies beyond the limit, then its bar stops at the edge of the plot', () => {
    const [bar] = divergingChart([{ label: 'a', value: -3 }], 1, defaultChartFrame).bars;
    expect(bar).toMatchObject({ y: 118, height: 106, sign: 'negative' });
  });
});

describe('topics chart', () => {
  it('when topics are charted, then each gets a row, bars scaled to a whole-number axis, labels left of the plot', () => {
    const g = horizontalBarChart([
      { label: 'engine', value: 8 },
      { label: 'harbour', value: 3 },
    ]);
    expect(g.height).toBe(topicsFrame(2).height);
    expect(g.max).toBe(10);
    // Plot: x 140…616 (476 wide), y 12…56, two rows of 22.
    expect(g.bars.map((b) => [b.label, b.x, Math.round(b.width * 10) / 10, b.labelX, b.labelY])).toEqual([
      ['engine', 140, 380.8, 132, 23],
      ['harbour', 140, 142.8, 132, 45],
    ]);
    expect(g.ticks.map((t) => t.label)).toEqual(['0', '2', '4', '6', '8', '10']);
    expect(g.ticks.at(-1)!.y).toBe(616);
  });

  it('when there are no topics, then the chart is one empty row high with a readable axis', () => {
    const g = horizontalBarChart([]);
    expect(g.bars).toEqual([]);
    expect(g.max).toBe(4);
    expect(g.height).toBe(12 + 28 + 22);
  });
});

describe('figures', () => {
  it('when a share or a rate is missing, then it reads as a dash', () => {
    expect([
      formatShare(0.4567),
      formatShare(null),
      formatRate(3.66),
      formatRate(null),
      formatRate(0.1667, 2),
    ]).toEqual(['46 %', '—', '3.7', '—', '0.17']);
  });
});
