import { describe, expect, it } from 'vitest';
import { draftsFrom, parseAcquisition, type SimulateAcquisition } from './acquisition';

const base: SimulateAcquisition = { mode: 'simulate', mask: 'equispaced-fraction', accel: 4, centerFraction: 0.08, calib: 24, seed: 1, coils: 1, snr: null };

describe('parseAcquisition', () => {
  it('round-trips the defaults; empty SNR is noiseless', () => {
    expect(parseAcquisition(draftsFrom(base), base)).toEqual({ value: base });
    expect(parseAcquisition({ ...draftsFrom(base), snr: '20' }, base)).toEqual({ value: { ...base, snr: 20 } });
  });

  it('names each bad field in words', () => {
    const r = parseAcquisition({ ...draftsFrom(base), accel: '1', coils: '2.5', seed: 'x', snr: '-3' }, base);
    expect(r).toEqual({
      errors: {
        accel: 'acceleration must be in (1, 64]',
        coils: 'must be a whole number',
        seed: '"x" is not a number',
        snr: 'SNR must be positive',
      },
    });
    expect(parseAcquisition({ ...draftsFrom(base), coils: '64' }, base)).toEqual({ errors: { coils: 'coils must be 1 to 32' } });
  });

  it('ignores the field the chosen mask does not use', () => {
    // Poisson uses calib, not the centre fraction: a junk fraction does not block it.
    const r = parseAcquisition({ ...draftsFrom(base), mask: 'poisson', centerFraction: 'junk', calib: '16' }, base);
    expect(r).toEqual({ value: { ...base, mask: 'poisson', calib: 16 } });
    expect(parseAcquisition({ ...draftsFrom(base), calib: '' }, base)).toEqual({ value: base });
  });
});
