import {
  defaultChartFrame,
  niceCeiling,
  type ChartFrame,
  type PlotArea,
  type Tick,
} from './chart-geometry.ts';

/**
 * Geometry of the engagement charts as pure functions (as chart-geometry.ts): a diverging bar
 * chart for net sentiment per day, and horizontal bars for the top topics.
 */

function plotArea({ width, height, margin }: ChartFrame): PlotArea {
  return { left: margin.left, top: margin.top, right: width - margin.right, bottom: height - margin.bottom };
}

export interface DivergingBar {
  label: string;
  /** Null: nothing to show that day (no person turns). */
  value: number | null;
  x: number;
  y: number;
  width: number;
  height: number;
  sign: 'positive' | 'negative' | 'zero' | 'none';
}

export interface DivergingChart {
  width: number;
  height: number;
  plot: PlotArea;
  /** The y of the zero line. */
  zeroY: number;
  ticks: Tick[];
  bars: DivergingBar[];
}

const signed = (v: number): string => (v > 0 ? `+${v}` : String(v));

/**
 * One bar per value on a fixed −limit…+limit axis, up from the zero line for positive values and
 * down for negative ones; values beyond the limit are drawn at it.
 */
export function divergingChart(
  values: ReadonlyArray<{ label: string; value: number | null }>,
  limit = 1,
  frame: ChartFrame = defaultChartFrame,
): DivergingChart {
  const plot = plotArea(frame);
  const zeroY = (plot.top + plot.bottom) / 2;
  const half = (plot.bottom - plot.top) / 2;
  const slot = values.length === 0 ? 0 : (plot.right - plot.left) / values.length;
  const bars = values.map(({ label, value }, i): DivergingBar => {
    const x = plot.left + i * slot + slot * 0.1;
    const width = slot * 0.8;
    if (value === null) return { label, value, x, y: zeroY, width, height: 0, sign: 'none' };
    const height = (half * Math.min(Math.abs(value), limit)) / limit;
    return {
      label,
      value,
      x,
      y: value >= 0 ? zeroY - height : zeroY,
      width,
      height,
      sign: value > 0 ? 'positive' : value < 0 ? 'negative' : 'zero',
    };
  });
  const ticks = [-1, -0.5, 0, 0.5, 1].map((f) => ({
    value: f * limit,
    y: zeroY - f * half,
    label: signed(f * limit),
  }));
  return { width: frame.width, height: frame.height, plot, zeroY, ticks, bars };
}

export interface HorizontalBar {
  label: string;
  value: number;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Where the row's label sits (right-aligned to the plot's left edge) and its baseline. */
  labelX: number;
  labelY: number;
}

export interface HorizontalBarChart {
  width: number;
  height: number;
  plot: PlotArea;
  max: number;
  /** Vertical gridlines along the bottom axis: `y` holds their x position. */
  ticks: Tick[];
  bars: HorizontalBar[];
}

/** The frame of the topics chart: room on the left for the terms, a row per topic. */
export const topicsFrame = (rows: number): ChartFrame => ({
  width: 640,
  height: 12 + 28 + Math.max(1, rows) * 22,
  margin: { top: 12, right: 24, bottom: 28, left: 140 },
});

/** One row per value, longest bar for the largest value, on a whole-number axis from 0. */
export function horizontalBarChart(
  values: ReadonlyArray<{ label: string; value: number }>,
  frame: ChartFrame = topicsFrame(values.length),
): HorizontalBarChart {
  const plot = plotArea(frame);
  const max = Math.max(4, Math.ceil(niceCeiling(Math.max(0, ...values.map((v) => v.value)))));
  const row = values.length === 0 ? 0 : (plot.bottom - plot.top) / values.length;
  const bars = values.map(({ label, value }, i): HorizontalBar => {
    const y = plot.top + i * row + row * 0.15;
    return {
      label,
      value,
      x: plot.left,
      y,
      width: ((plot.right - plot.left) * Math.max(0, Math.min(value, max))) / max,
      height: row * 0.7,
      labelX: plot.left - 8,
      labelY: plot.top + i * row + row / 2,
    };
  });
  const count = max % 4 === 0 ? 4 : 5;
  const ticks = Array.from({ length: count + 1 }, (_, i) => ({
    value: (max * i) / count,
    y: plot.left + ((plot.right - plot.left) * i) / count,
    label: String(Math.round((max * i) / count)),
  }));
  return { width: frame.width, height: frame.height, plot, max, ticks, bars };
}

/** A share as a percentage for a figure: `42 %`, `—` when there is none. */
export function formatShare(ratio: number | null): string {
  return ratio === null ? '—' : `${Math.round(ratio * 100)} %`;
}

/** A rate or mean for a figure, to one decimal: `3.7`, `—` when there is none. */
export function formatRate(value: number | null, digits = 1): string {
  return value === null ? '—' : value.toFixed(digits);
}
