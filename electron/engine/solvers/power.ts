/**
 * Power iteration for the largest eigenvalue of a Hermitian positive
 * semi-definite operator (A^H A), i.e. ||A||^2: the Lipschitz constant that
 * fixes step sizes of FISTA and primal-dual (BART's `maxeigen`).
 */
import { createRng, norm2 } from '../array';

export function powerMethod(normal: (x: Float32Array) => Float32Array, length: number, iters = 30, seed = 0): number {
  const rng = createRng(seed, 'power-method');
  let x: Float32Array = Float32Array.from({ length }, () => rng.normal());
  let lambda = 0;
  for (let k = 0; k < iters; k++) {
    const nx = Math.sqrt(norm2(x));
    if (nx === 0) return 0;
    for (let i = 0; i < length; i++) x[i]! /= nx;
    const y = normal(x);
    // Rayleigh quotient <x, A^H A x> with ||x|| = 1 (real for a Hermitian operator).
    let r = 0;
    for (let i = 0; i < length; i++) r += x[i]! * y[i]!;
    lambda = r;
    x = y;
  }
  return lambda;
}
