import type { Turn, TurnMetrics } from '../../protocol/index.ts';

/**
 * Chart geometry as pure functions: data in, coordinates out, in SVG user units with y growing
 * downwards. charts.ts draws them; keeping the arithmetic here lets it be tested without a DOM.
 */

export interface ChartFrame {
  width: number;
  height: number;
  /** Room for the axis labels around the plot. */
  margin: { top: number; right: number; bottom: number; left: number };
}

export const defaultChartFrame: ChartFrame = {
  width: 640,
  height: 260,
  margin: { top: 12, right: 12, bottom: 36, left: 56 },
};

/** The plot area inside the margins. */
export interface PlotArea {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface Tick {
  value: number;
  y: number;
  label: string;
}

/** The smallest 1, 2 or 5 × 10ⁿ at or above `value`; 1 for anything not above 0. */
export function niceCeiling(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

/** A duration for an axis or a tooltip: `850 ms`, `1.2 s`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${s < 10 ? s.toFixed(1).replace(/\.0$/, '') : Math.round(s)} s`;
}

function plotArea(frame: ChartFrame): PlotArea {
  const { width, height, margin } = frame;
  return {
    left: margin.left,
    top: margin.top,
    right: width - margin.right,
    bottom: height - margin.bottom,
  };
}

/** `count + 1` evenly spaced ticks from 0 to `max`. */
function yTicks(max: number, plot: PlotArea, count: number, label: (v: number) => string): Tick[] {
  const ticks: Tick[] = [];
  for (let i = 0; i <= count; i++) {
    const value = (max * i) / count;
    ticks.push({ value, y: plot.bottom - ((plot.bottom - plot.top) * i) / count, label: label(value) });
  }
  return ticks;
}

/** The stages drawn as bars, in the order they happen within a turn. */
export const latencyStages = [
  { key: 'eouDelayMs', label: 'End of utterance' },
  { key: 'sttDelayMs', label: 'Transcription' },
  { key: 'llmTtftMs', label: 'LLM first token' },
  { key: 'ttsTtfbMs', label: 'TTS first byte' },
] as const satisfies ReadonlyArray<{ key: keyof TurnMetrics; label: string }>;

export type LatencyStage = (typeof latencyStages)[number]['key'];

export interface LatencyBar {
  stage: LatencyStage;
  x: number;
  y: number;
  width: number;
  height: number;
  valueMs: number;
}

export interface LatencyGroup {
  turnId: string;
  /** 1-based position among the charted replies. */
  index: number;
  x: number;
  width: number;
  centerX: number;
  /** Only the stages that ran; a null metric draws no bar. */
  bars: LatencyBar[];
  /** A horizontal marker across the group at the voice-to-voice time. */
  voiceToVoice: { x1: number; x2: number; y: number; valueMs: number } | null;
}

export interface LatencyChart {
  width: number;
  height: number;
  plot: PlotArea;
  maxMs: number;
  ticks: Tick[];
  groups: LatencyGroup[];
  /** `x,y` points joining the voice-to-voice markers, for a polyline; empty below two markers. */
  voiceToVoiceLine: string;
}

/**
 * One group per reply: the character's turns carry the whole chain of a turn's latency (the
 * caller's end-of-utterance and transcription delays, then LLM and TTS), the caller's own turns
 * only its first half, so charting replies shows each exchange once.
 */
export function chartedTurns(turns: readonly Turn[]): Turn[] {
  return turns.filter((t) => t.role === 'assistant');
}

/** Grouped bars per reply, bars for the stages, a marker and a line for voice-to-voice. */
export function latencyChart(turns: readonly Turn[], frame: ChartFrame = defaultChartFrame): LatencyChart {
  const plot = plotArea(frame);
  const replies = chartedTurns(turns);
  let peak = 0;
  for (const t of replies) for (const v of Object.values(t.metrics)) if (v !== null && v > peak) peak = v;
  // An empty chart still gets a readable axis: a second.
  const maxMs = peak > 0 ? niceCeiling(peak) : 1000;
  const scale = (ms: number): number => ((plot.bottom - plot.top) * Math.min(ms, maxMs)) / maxMs;

  const slot = replies.length === 0 ? 0 : (plot.right - plot.left) / replies.length;
  const pad = slot * 0.15;
  const barWidth = replies.length === 0 ? 0 : (slot - 2 * pad) / latencyStages.length;
  const groups = replies.map((t, i): LatencyGroup => {
    const x = plot.left + i * slot + pad;
    const width = slot - 2 * pad;
    const bars: LatencyBar[] = [];
    latencyStages.forEach(({ key }, j) => {
      const v = t.metrics[key];
      if (v === null) return;
      const height = scale(v);
      bars.push({
        stage: key,
        x: x + j * barWidth,
        y: plot.bottom - height,
        width: barWidth,
        height,
        valueMs: v,
      });
    });
    const v2v = t.metrics.voiceToVoiceMs;
    return {
      turnId: t.id,
      index: i + 1,
      x,
      width,
      centerX: x + width / 2,
      bars,
      voiceToVoice: v2v === null ? null : { x1: x, x2: x + width, y: plot.bottom - scale(v2v), valueMs: v2v },
    };
  });
  const markers = groups.flatMap((g) => (g.voiceToVoice ? [`${g.centerX},${g.voiceToVoice.y}`] : []));
  return {
    width: frame.width,
    height: frame.height,
    plot,
    maxMs,
    ticks: yTicks(maxMs, plot, 4, formatMs),
    groups,
    voiceToVoiceLine: markers.length >= 2 ? markers.join(' ') : '',
  };
}

export interface CountBar {
  label: string;
  value: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface CountChart {
  width: number;
  height: number;
  plot: PlotArea;
  max: number;
  ticks: Tick[];
  bars: CountBar[];
}

/** One bar per value (e.g. sessions per hour of the day), on a whole-number axis. */
export function countChart(
  values: ReadonlyArray<{ label: string; value: number }>,
  frame: ChartFrame = defaultChartFrame,
): CountChart {
  const plot = plotArea(frame);
  const peak = Math.max(0, ...values.map((v) => v.value));
  const max = Math.max(4, Math.ceil(niceCeiling(peak)));
  const slot = values.length === 0 ? 0 : (plot.right - plot.left) / values.length;
  const bars = values.map((v, i): CountBar => {
    const height = ((plot.bottom - plot.top) * Math.max(0, Math.min(v.value, max))) / max;
    return {
      label: v.label,
      value: v.value,
      x: plot.left + i * slot + slot * 0.1,
      y: plot.bottom - height,
      width: slot * 0.8,
      height,
    };
  });
  return {
    width: frame.width,
    height: frame.height,
    plot,
    max,
    // Whole-number steps: 4, 20, 100 … split in four; 5, 10, 50 … in five.
    ticks: yTicks(max, plot, max % 4 === 0 ? 4 : 5, (v) => String(Math.round(v))),
    bars,
  };
}

/** 24 hourly counts from the API's sparse `busiestHours`, hours 0–23 in order. */
export function hoursOfDay(
  busiest: ReadonlyArray<{ hour: number; sessions: number }>,
): Array<{ label: string; value: number }> {
  const counts = new Array<number>(24).fill(0);
  for (const { hour, sessions } of busiest)
    if (hour >= 0 && hour < 24) counts[hour] = (counts[hour] ?? 0) + sessions;
  return counts.map((value, hour) => ({ label: String(hour).padStart(2, '0'), value }));
}
