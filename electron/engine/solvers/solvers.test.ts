import { describe, expect, it } from 'vitest';
import { createRng, norm2 } from '../array';
import { finiteDiffOp, fourierOp, linop, maskOp, compose } from '../linop';
import { admmSolver } from './admm';
import { cgSolver } from './cg';
import { fistaSolver } from './fista';
import { pdhgTvSolver } from './pdhg';
import { powerMethod } from './power';
import { softThreshold, tvNorm, tvShrink } from './prox';
import { runIterations } from './run';

function rand(n: number, seed: number, label = 'solver-test'): Float32Array {
  const rng = createRng(seed, label);
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** A small dense complex matrix as a LinOp (m x n). */
function denseOp(m: number, n: number, seed: number) {
  const a = rand(2 * m * n, seed, 'dense');
  return linop('A', [n], [m], (x) => {
    const out = new Float32Array(2 * m);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      const ar = a[2 * (i * n + j)]!, ai = a[2 * (i * n + j) + 1]!, xr = x[2 * j]!, xi = x[2 * j + 1]!;
      out[2 * i]! += ar * xr - ai * xi; out[2 * i + 1]! += ar * xi + ai * xr;
    }
    return out;
  }, (y) => {
    const out = new Float32Array(2 * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      const ar = a[2 * (i * n + j)]!, ai = a[2 * (i * n + j) + 1]!, yr = y[2 * i]!, yi = y[2 * i + 1]!;
      out[2 * j]! += ar * yr + ai * yi; out[2 * j + 1]! += ar * yi - ai * yr;
    }
    return out;
  });
}

describe('power method', () => {
  it('finds the largest eigenvalue of a diagonal operator', () => {
    const w = Float32Array.from({ length: 16 }, (_, i) => 0.1 + i * 0.05);
    const M = maskOp(w, [4, 4]);
    const l = powerMethod((v) => M.adjoint(M.apply(v)), 32, 200);
    expect(l).toBeCloseTo(0.85 ** 2, 3);
  });
});

describe('conjugate gradient', () => {
  it('converges to the closed-form Tikhonov solution', async () => {
    // Diagonal A in a unitary basis: A = F^H D F, so (A^H A + λ) x = A^H y has
    // the closed form x = F^H (conj(d) (F y) / (|d|^2 + λ)).
    const ny = 8, nx = 8, lambda = 0.3;
    const d = Float32Array.from({ length: 64 }, (_, i) => 0.2 + (i % 7) * 0.3);
    const F = fourierOp([ny, nx]);
    const A = compose({ ...F, apply: F.adjoint, adjoint: F.apply, name: 'F^H' }, maskOp(d, [ny, nx]), F);
    const y = rand(128, 4);
    const fy = F.apply(y);
    for (let i = 0; i < 64; i++) { const s = d[i]! / (d[i]! ** 2 + lambda); fy[2 * i]! *= s; fy[2 * i + 1]! *= s; }
    const exact = F.adjoint(fy);
    const solver = cgSolver(A, y, { lambda });
    const run = await runIterations(solver, { maxIters: 40, tol: 1e-7 });
    let err = 0;
    for (let i = 0; i < exact.length; i++) err += (run.last[i]! - exact[i]!) ** 2;
    expect(Math.sqrt(err / norm2(exact))).toBeLessThan(1e-4);
    expect(run.history.length).toBeGreaterThan(1);
    // Objective never increases along CG iterates.
    for (let k = 1; k < run.history.length; k++) expect(run.history[k]!.objective!).toBeLessThanOrEqual(run.history[k - 1]!.objective! * (1 + 1e-6));
  });

  it('solves a dense complex least-squares problem (normal equations)', async () => {
    const A = denseOp(12, 6, 7);
    const xTrue = rand(12, 8);
    const y = A.apply(xTrue);
    const run = await runIterations(cgSolver(A, y), { maxIters: 30 });
    for (let i = 0; i < 12; i++) expect(run.last[i]!).toBeCloseTo(xTrue[i]!, 3);
  });
});

describe('FISTA and ISTA on a separable L1 problem', () => {
  // min 0.5||D x - y||^2 + λ||x||_1 with a real diagonal D: the exact solution
  // is x_i = soft(d_i y_i, λ) / d_i^2 per complex entry.
  const n = 64, lambda = 0.4;
  const d = Float32Array.from({ length: n }, (_, i) => 0.15 + 0.85 * (i / (n - 1)));
  const D = maskOp(d, [8, 8]);
  const y = rand(2 * n, 11);
  const exact = D.adjoint(y);
  softThreshold(exact, lambda);
  for (let i = 0; i < n; i++) { exact[2 * i]! /= d[i]! ** 2; exact[2 * i + 1]! /= d[i]! ** 2; }
  const prox = (v: Float32Array, t: number) => { softThreshold(v, lambda * t); };
  const itersTo = (accelerate: boolean, tol: number) => {
    const s = fistaSolver(D, y, { prox, accelerate, step: 1 });
    for (let k = 1; k <= 3000; k++) {
      s.step();
      let err = 0;
      for (let i = 0; i < exact.length; i++) err += (s.x[i]! - exact[i]!) ** 2;
      if (Math.sqrt(err / norm2(exact)) < tol) return k;
    }
    return Infinity;
  };

  it('both reach the exact soft-threshold solution, FISTA in fewer iterations', () => {
    const fista = itersTo(true, 1e-4);
    const ista = itersTo(false, 1e-4);
    expect(fista).toBeLessThan(Infinity);
    expect(ista).toBeLessThan(Infinity);
    expect(fista).toBeLessThan(ista);
  });
});

/** Piecewise-constant 32x32 phantom: two rectangles. */
function phantom(ny: number, nx: number): Float32Array {
  const x = new Float32Array(2 * ny * nx);
  for (let y = 0; y < ny; y++) for (let i = 0; i < nx; i++) {
    let v = 0;
    if (y > 5 && y < 26 && i > 4 && i < 27) v = 1;
    if (y > 10 && y < 18 && i > 12 && i < 20) v = 0.4;
    x[2 * (y * nx + i)] = v;
  }
  return x;
}

describe('TV solvers on a piecewise-constant phantom', () => {
  const ny = 32, nx = 32;
  const truth = phantom(ny, nx);
  const rng = createRng(3, 'tv-mask');
  const mask = Float32Array.from({ length: ny * nx }, (_, i) => {
    const ky = Math.floor(i / nx), kx = i % nx;
    return Math.abs(ky - ny / 2) < 4 && Math.abs(kx - nx / 2) < 4 ? 1 : rng.next() < 0.3 ? 1 : 0;
  });
  const A = compose(maskOp(mask, [ny, nx]), fourierOp([ny, nx]));
  const y = A.apply(truth);
  const noise = rand(y.length, 5);
  for (let i = 0; i < y.length; i++) if (mask[i >> 1]) y[i]! += 0.01 * noise[i]!;
  const G = finiteDiffOp(ny, nx, 'periodic');
  const zf = A.adjoint(y);
  const err = (x: Float32Array) => { let e = 0; for (let i = 0; i < x.length; i++) e += (x[i]! - truth[i]!) ** 2; return Math.sqrt(e / norm2(truth)); };
  const lambda = 0.01;

  it('ADMM decreases the objective and beats zero-filled', async () => {
    const s = admmSolver(A, y, [{ B: G, prox: (v, t) => { tvShrink(v, lambda * t, true); }, value: (g) => lambda * tvNorm(g, true) }], { rho: 0.1, innerIters: 5 });
    const run = await runIterations(s, { maxIters: 60 });
    const h = run.history;
    expect(h[h.length - 1]!.objective!).toBeLessThan(h[0]!.objective!);
    expect(err(run.last)).toBeLessThan(0.5 * err(zf));
  });

  it('PDHG decreases the objective and beats zero-filled', async () => {
    const s = pdhgTvSolver(A, G, y, lambda);
    const run = await runIterations(s, { maxIters: 150 });
    const h = run.history;
    expect(h[h.length - 1]!.objective!).toBeLessThan(h[4]!.objective!);
    expect(err(run.last)).toBeLessThan(0.5 * err(zf));
  });
});

describe('runIterations', () => {
  const D = maskOp(Float32Array.from({ length: 16 }, (_, i) => 0.5 + i / 16), [4, 4]);
  const y = rand(32, 2);

  it('records history, stops on tolerance and keeps the best by PSNR with a reference', async () => {
    const ref = new Float32Array(16).fill(1);
    const rows: number[] = [];
    const run = await runIterations(cgSolver(D, y), {
      maxIters: 50, tol: 1e-6, every: 2, reference: { magnitude: ref, ny: 4, nx: 4 }, slice: 3,
      onIteration: (e) => rows.push(e.iteration),
    });
    expect(run.stopReason).toBe('tolerance');
    expect(rows).toEqual(run.history.map((h) => h.iteration));
    expect(run.history[0]!.slice).toBe(3);
    expect(run.history[0]!.psnr).toBeUndefined();
    expect(run.history[1]!.psnr).toBeGreaterThan(-100);
    expect(run.history[run.history.length - 1]!.ssim).toBeUndefined(); // 4x4 is below SSIM's window
    const measured = run.history.filter((h) => h.psnr !== undefined);
    const bestRow = measured.reduce((a, b) => (b.psnr! > a.psnr! ? b : a));
    expect(run.bestIteration).toBe(bestRow.iteration);
  });

  it('is cancellable between steps', async () => {
    const ac = new AbortController();
    const s = cgSolver(D, y);
    await expect(runIterations(s, { maxIters: 100, signal: ac.signal, onIteration: (e) => { if (e.iteration === 3) ac.abort(); } })).rejects.toThrow(/cancelled/);
    expect(s.iteration).toBe(3);
  });
});

describe('ADMM as BART runs it', () => {
  const A = denseOp(12, 8, 21);
  const y = rand(24, 22);
  const lambda = 0.7;
  // g(x) = λ/2 ||x||^2 with B = I: the ADMM fixed point is the Tikhonov solution (A^H A + λ I)^-1 A^H y.
  const I = linop('I', [8], [8], (x) => x.slice(), (x) => x.slice());
  const ridge = { B: I, prox: (v: Float32Array, t: number) => { for (let i = 0; i < v.length; i++) v[i]! /= 1 + t * lambda; }, value: (v: Float32Array) => 0.5 * lambda * norm2(v) };

  it('over-relaxed, with early-stopped CG and M x carried across iterations, converges to the closed form', async () => {
    const exact = cgSolver(A, y, { lambda });
    for (let k = 0; k < 200; k++) exact.step();
    // Exact x-updates reach the fixed point to float precision; BART's 1e-3 CG tolerance stops near it.
    for (const [alpha, cgTol, tol] of [[1, 0, 1e-4], [1.6, 0, 1e-4], [1.6, 1e-3, 1e-2]] as const) {
      const s = admmSolver(A, y, [ridge], { rho: 0.5, innerIters: 3, cgTol, alpha });
      await runIterations(s, { maxIters: 300 });
      let e = 0;
      for (let i = 0; i < 16; i++) e += (s.x[i]! - exact.x[i]!) ** 2;
      expect(Math.sqrt(e / norm2(exact.x))).toBeLessThan(tol);
    }
  });

  it('stops once its CG budget is spent (pics -i for ADMM), in the runner too', async () => {
    const s = admmSolver(A, y, [ridge], { rho: 0.5, innerIters: 4, cgBudget: 10 });
    const run = await runIterations(s, { maxIters: 100 });
    expect(s.done).toBe(true);
    expect(s.cgIterations).toBeGreaterThan(10);
    expect(s.cgIterations).toBeLessThanOrEqual(14);
    expect(run.iterations).toBe(s.iteration);
    expect(run.iterations).toBeLessThan(5);
  });

  it('rejects bad parameters', () => {
    expect(() => admmSolver(A, y, [ridge], { alpha: 2 })).toThrow(/alpha/);
    expect(() => admmSolver(A, y, [ridge], { innerIters: 0 })).toThrow(/innerIters/);
  });
});

describe('FISTA with a fused normal operator', () => {
  it('takes the same steps via A^H A z - A^H y as via A^H (A z - y)', () => {
    const A = denseOp(10, 6, 31);
    const y = rand(20, 32);
    const withNormal = { ...A, normal: (x: Float32Array) => A.adjoint(A.apply(x)) };
    const prox = (v: Float32Array, t: number) => { softThreshold(v, 0.05 * t); };
    const a = fistaSolver(A, y, { prox, step: 0.01, trackObjective: false });
    const b = fistaSolver(withNormal, y, { prox, step: 0.01, trackObjective: false });
    for (let k = 0; k < 30; k++) { a.step(); b.step(); }
    for (let i = 0; i < 12; i++) expect(b.x[i]).toBeCloseTo(a.x[i]!, 4);
    expect(Number.isNaN(b.step().residual)).toBe(true);
  });
});
