import { describe, expect, it } from 'vitest';
import { clampSliceRange, defaultSliceRange, middleOfRange } from './slice-range';

describe('defaultSliceRange', () => {
  it('proposes five slices around the middle of a long series', () => {
    expect(defaultSliceRange(200)).toEqual([98, 103]);
  });
  it('clamps to short series', () => {
    expect(defaultSliceRange(1)).toEqual([0, 1]);
    expect(defaultSliceRange(2)).toEqual([0, 2]);
    expect(defaultSliceRange(3)).toEqual([0, 3]);
    expect(defaultSliceRange(7)).toEqual([1, 6]);
  });
  it('never returns an empty range', () => {
    expect(defaultSliceRange(0)).toEqual([0, 1]);
    expect(defaultSliceRange(Number.NaN)).toEqual([0, 1]);
  });
});

describe('clampSliceRange', () => {
  it('keeps a valid range', () => expect(clampSliceRange(3, 9, 10)).toEqual([3, 9]));
  it('clamps both ends and keeps it non-empty', () => {
    expect(clampSliceRange(-4, 50, 10)).toEqual([0, 10]);
    expect(clampSliceRange(12, 2, 10)).toEqual([9, 10]);
    expect(clampSliceRange(5, 5, 10)).toEqual([5, 6]);
    expect(clampSliceRange(Number.NaN, Number.NaN, 10)).toEqual([0, 1]);
  });
});

describe('middleOfRange', () => {
  it('picks the middle slice', () => {
    expect(middleOfRange([98, 103])).toBe(100);
    expect(middleOfRange([4, 5])).toBe(4);
    expect(middleOfRange([0, 2])).toBe(0);
  });
});
