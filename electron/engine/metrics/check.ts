/** Argument checks shared by the metrics; they throw RangeError with the sizes involved. */

export function checkPair(what: string, gt: Float32Array, pred: Float32Array): void {
  if (gt.length !== pred.length) {
    throw new RangeError(`${what}: reference has ${gt.length} values but prediction has ${pred.length}`);
  }
  if (gt.length === 0) throw new RangeError(`${what}: empty input`);
}

/** Checks that `n` values hold whole `ny` x `nx` slices and returns the slice count. */
export function sliceCount(what: string, n: number, ny: number, nx: number, slices?: number): number {
  if (!Number.isInteger(ny) || !Number.isInteger(nx) || ny <= 0 || nx <= 0) {
    throw new RangeError(`${what}: invalid slice size ${ny}x${nx}`);
  }
  const plane = ny * nx;
  if (slices !== undefined) {
    if (!Number.isInteger(slices) || slices <= 0 || slices * plane !== n) {
      throw new RangeError(`${what}: ${n} values do not hold ${slices} slices of ${ny}x${nx}`);
    }
    return slices;
  }
  if (n % plane !== 0) throw new RangeError(`${what}: ${n} values are not whole ${ny}x${nx} slices`);
  return n / plane;
}

export function maxOf(x: Float32Array): number {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i]! > m) m = x[i]!;
  return m;
}
