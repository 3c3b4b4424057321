// Placement in the stereo field. Constant-power (sin/cos, −3 dB at centre) pan law: a voice keeps
// the same loudness wherever it is placed, and L² + R² = 1 for a mono source at every position.

/** Left and right gains for one source. */
export interface PanGains {
  left: number;
  right: number;
}

// cos(π/2) is 6e-17, not 0: snap so that a hard-panned source leaves the other channel bit-exact silent.
function snap(g: number): number {
  if (Math.abs(g) < 1e-12) return 0;
  if (Math.abs(1 - g) < 1e-12) return 1;
  return g;
}

/**
 * Gains for a mono source at `pan` (−1 hard left … 0 centre … 1 hard right), constant-power law:
 * θ = (pan + 1)·π/4, left = cos θ, right = sin θ.
 */
export function monoPanGains(pan: number): PanGains {
  const p = Math.min(1, Math.max(-1, pan));
  const theta = ((p + 1) * Math.PI) / 4;
  return { left: snap(Math.cos(theta)), right: snap(Math.sin(theta)) };
}

/**
 * Gains for a stereo source at `pan`, as a balance control: unity on both channels at centre,
 * the far channel follows the constant-power curve normalised to 1 at centre (√2·cos θ, √2·sin θ,
 * capped at 1), so hard left silences the right channel and leaves the left one untouched.
 */
export function stereoBalanceGains(pan: number): PanGains {
  const { left, right } = monoPanGains(pan);
  return { left: snap(Math.min(1, left * Math.SQRT2)), right: snap(Math.min(1, right * Math.SQRT2)) };
}

/**
 * Evenly spread positions for `count` voices across [−width, width], left to right; one voice sits
 * at the centre. Used to give each character its own place in the program.
 */
export function spreadPositions(count: number, width = 0.8): number[] {
  if (count <= 0) return [];
  if (count === 1) return [0];
  return Array.from({ length: count }, (_, i) => -width + (2 * width * i) / (count - 1));
}
