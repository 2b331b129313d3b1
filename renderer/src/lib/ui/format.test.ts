import { describe, expect, it } from 'vitest';
import { fmt, formatDims, formatDuration, kindLabel } from './format';

describe('format', () => {
  it('formats durations as mm:ss', () => {
    expect(formatDuration(0)).toBe('00:00');
    expect(formatDuration(61_400)).toBe('01:01');
    expect(formatDuration(599_600)).toBe('10:00');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
    expect(formatDuration(undefined)).toBe('–');
    expect(formatDuration(-5)).toBe('–');
  });
  it('describes datasets', () => {
    expect(formatDims({ slices: 24, height: 256, width: 192, coils: 1 })).toBe('24 × 256 × 192');
    expect(formatDims({ slices: 1, height: 320, width: 320, coils: 8 })).toBe('1 × 320 × 320 · 8 coils');
    expect(kindLabel({ kind: 'image', undersampled: false })).toBe('image');
    expect(kindLabel({ kind: 'kspace', undersampled: true, fileAccel: 4.12 })).toBe('k-space · undersampled 4.1×');
    expect(fmt(31.2345, 2)).toBe('31.23');
    expect(fmt(undefined, 2)).toBe('–');
  });
});
