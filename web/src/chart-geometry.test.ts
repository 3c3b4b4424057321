import { describe, expect, it } from 'vitest';
import type { Turn, TurnMetrics } from '../../protocol/index.ts';
import {
  countChart,
  defaultChartFrame,
  formatMs,
  hoursOfDay,
  latencyChart,
  niceCeiling,
} from './chart-geometry.ts';

let n = 0;
function turn(role: Turn['role'], metrics: Partial<TurnMetrics> = {}): Turn {
  n += 1;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    role,
    speaker: role === 'user' ? 'caller' : 'theo',
    speakerName: role === 'user' ? 'You' : 'Theo',
    text: 'hi',
    heardText: 'hi',
    interrupted: false,
    startedAt: '2025-01-01T00:00:00.000Z',
    endedAt: '2025-01-01T00:00:01.000Z',
    metrics: {
      eouDelayMs: null,
      sttDelayMs: null,
      llmTtftMs: null,
      ttsTtfbMs: null,
      voiceToVoiceMs: null,
      ...metrics,
    },
  };
}

const full = { eouDelayMs: 300, sttDelayMs: 120, llmTtftMs: 450, ttsTtfbMs: 200, voiceToVoiceMs: 1100 };

describe('niceCeiling and formatMs', () => {
  it('when a peak is given, then the axis ends at the next 1, 2 or 5 × 10ⁿ', () => {
    expect([0, 0.3, 1, 7, 11, 180, 1100, 2000, 2001].map(niceCeiling)).toEqual([
      1, 0.5, 1, 10, 20, 200, 2000, 2000, 5000,
    ]);
  });

  it('when a duration is labelled, then below a second in ms, above in seconds', () => {
    expect([0, 849.6, 1000, 1250, 12_400].map(formatMs)).toEqual(['0 ms', '850 ms', '1 s', '1.3 s', '12 s']);
  });
});

describe('latencyChart', () => {
  it('when a session has replies, then one group per reply with a bar per measured stage, inside the plot', () => {
    const turns = [
      turn('user', { eouDelayMs: 300, sttDelayMs: 120 }),
      turn('assistant', full),
      turn('user'),
      turn('assistant', full),
    ];
    const g = latencyChart(turns);
    expect(g.groups).toHaveLength(2);
    expect(g.groups.map((x) => x.index)).toEqual([1, 2]);
    expect(g.groups[0]?.turnId).toBe(turns[1]?.id);
    expect(g.maxMs).toBe(2000);
    for (const group of g.groups) {
      expect(group.bars.map((b) => b.stage)).toEqual(['eouDelayMs', 'sttDelayMs', 'llmTtftMs', 'ttsTtfbMs']);
      for (const b of group.bars) {
        expect(b.x).toBeGreaterThanOrEqual(g.plot.left);
        expect(b.x + b.width).toBeLessThanOrEqual(g.plot.right + 1e-9);
        expect(b.y + b.height).toBeCloseTo(g.plot.bottom, 9);
      }
    }
    const plotHeight = g.plot.bottom - g.plot.top;
    expect(g.groups[0]?.bars[2]?.height).toBeCloseTo((plotHeight * 450) / 2000, 9);
    expect(g.groups[0]?.voiceToVoice?.y).toBeCloseTo(g.plot.bottom - (plotHeight * 1100) / 2000, 9);
    expect(g.voiceToVoiceLine.split(' ')).toHaveLength(2);
  });

  it('when groups are laid out, then they do not overlap and keep turn order left to right', () => {
    const g = latencyChart([turn('assistant', full), turn('assistant', full), turn('assistant', full)]);
    for (let i = 1; i < g.groups.length; i++) {
      const prev = g.groups[i - 1]!;
      expect(g.groups[i]!.x).toBeGreaterThan(prev.x + prev.width);
    }
  });

  it('when a stage did not run, then its bar is left out and a missing voice-to-voice draws no marker', () => {
    const g = latencyChart([turn('assistant', { llmTtftMs: 500 }), turn('assistant', { ...full })]);
    expect(g.groups[0]?.bars.map((b) => b.stage)).toEqual(['llmTtftMs']);
    expect(g.groups[0]?.voiceToVoice).toBeNull();
    expect(g.voiceToVoiceLine).toBe('');
  });

  it('when there are no replies, then no groups and a one-second axis', () => {
    const g = latencyChart([turn('user', { eouDelayMs: 100 })]);
    expect(g.groups).toEqual([]);
    expect(g.ticks.map((t) => t.label)).toEqual(['0 ms', '250 ms', '500 ms', '750 ms', '1 s']);
  });

  it('when ticks are made, then five from the baseline to the top, labelled', () => {
    const g = latencyChart([turn('assistant', full)], defaultChartFrame);
    expect(g.ticks.map((t) => t.label)).toEqual(['0 ms', '500 ms', '1 s', '1.5 s', '2 s']);
    expect(g.ticks[0]?.y).toBe(g.plot.bottom);
    expect(g.ticks.at(-1)?.y).toBe(g.plot.top);
  });
});

describe('countChart and hoursOfDay', () => {
  it('when busiest hours are sparse, then all 24 hours appear in order with zeros filled in', () => {
    const hours = hoursOfDay([
      { hour: 21, sessions: 3 },
      { hour: 2, sessions: 1 },
    ]);
    expect(hours).toHaveLength(24);
    expect(hours[2]).toEqual({ label: '02', value: 1 });
    expect(hours[21]).toEqual({ label: '21', value: 3 });
    expect(hours.reduce((s, h) => s + h.value, 0)).toBe(4);
  });

  it('when counts are charted, then bar heights are proportional on a whole-number axis of at least 4', () => {
    const g = countChart([
      { label: 'a', value: 0 },
      { label: 'b', value: 3 },
      { label: 'c', value: 6 },
    ]);
    expect(g.max).toBe(10);
    const plotHeight = g.plot.bottom - g.plot.top;
    expect(g.bars.map((b) => b.height)).toEqual([0, (plotHeight * 3) / 10, (plotHeight * 6) / 10]);
    expect(countChart([{ label: 'x', value: 1 }]).max).toBe(4);
    expect(g.ticks.map((t) => t.label)).toEqual(['0', '2', '4', '6', '8', '10']);
    expect(countChart([{ label: 'x', value: 15 }]).ticks.map((t) => t.label)).toEqual([
      '0',
      '5',
      '10',
      '15',
      '20',
    ]);
  });
});
