/**
 * The two checks every operator must pass (sigpy's tests/test_linop.py and
 * BART's lintest habit): one shared helper so no operator test can forget them.
 * Only imported by tests.
 */
import { expect } from 'vitest';
import { createRng, numel, vdot } from '../array';
import type { LinOp } from './linop';

function randomComplex(n: number, seed: number, label: string): Float32Array {
  const rng = createRng(seed, label);
  const x = new Float32Array(2 * n);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  return x;
}

/** <A x, y> = <x, A^H y> for random complex x, y, to float32 round-off. */
export function expectAdjoint(op: LinOp, seed = 1, tol = 1e-4): void {
  const x = randomComplex(numel(op.ishape), seed, 'adj-x');
  const y = randomComplex(numel(op.oshape), seed, 'adj-y');
  const ax = op.apply(x);
  const ahy = op.adjoint(y);
  expect(ax.length).toBe(2 * numel(op.oshape));
  expect(ahy.length).toBe(2 * numel(op.ishape));
  const [lr, li] = vdot(ax, y);
  const [rr, ri] = vdot(x, ahy);
  const scale = Math.max(Math.hypot(lr, li), Math.hypot(rr, ri), 1e-12);
  expect(Math.hypot(lr - rr, li - ri) / scale, `${op.name}: adjoint mismatch`).toBeLessThan(tol);
}

/** A(a x + b y) = a A x + b A y for a complex scalar a and a real b. */
export function expectLinear(op: LinOp, seed = 2, tol = 1e-4): void {
  const n = numel(op.ishape);
  const x = randomComplex(n, seed, 'lin-x');
  const y = randomComplex(n, seed, 'lin-y');
  const ar = 0.7, ai = -1.3, b = 2.1;
  const combo = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const xr = x[2 * i]!, xi = x[2 * i + 1]!;
    combo[2 * i] = ar * xr - ai * xi + b * y[2 * i]!;
    combo[2 * i + 1] = ar * xi + ai * xr + b * y[2 * i + 1]!;
  }
  const lhs = op.apply(combo);
  const axv = op.apply(x);
  const ayv = op.apply(y);
  let err = 0, ref = 0;
  for (let i = 0; i < lhs.length; i += 2) {
    const rr = ar * axv[i]! - ai * axv[i + 1]! + b * ayv[i]!;
    const ri = ar * axv[i + 1]! + ai * axv[i]! + b * ayv[i + 1]!;
    err += (lhs[i]! - rr) ** 2 + (lhs[i + 1]! - ri) ** 2;
    ref += rr * rr + ri * ri;
  }
  expect(Math.sqrt(err / Math.max(ref, 1e-30)), `${op.name}: not linear`).toBeLessThan(tol);
  // The input must not be modified (operators are values, not in-place kernels).
  const again = op.apply(x);
  expect(again).toEqual(axv);
}
