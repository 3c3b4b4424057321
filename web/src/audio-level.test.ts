import { describe, expect, it } from 'vitest';
import { rms } from './audio-level.ts';

describe('rms', () => {
  it('when the block is silent or empty, then 0', () => {
    expect(rms(new Float32Array(128))).toBe(0);
    expect(rms([])).toBe(0);
  });

  it('when the block is a full-scale sine, then about 1/√2', () => {
    const n = 4800;
    const sine = Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * 440 * i) / 48_000));
    expect(rms(sine)).toBeCloseTo(Math.SQRT1_2, 3);
  });

  it('when the block is a constant, then its magnitude', () => {
    expect(rms([-0.25, -0.25, -0.25])).toBeCloseTo(0.25, 6);
  });
});
