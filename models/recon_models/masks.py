"""Undersampling masks, numpy mirror of electron/engine/sampling/line-masks.ts.

Semantics (fastMRI subsample.py, as the engine documents them):
  centre block   nLow = round(n * centerFraction) rows starting at
                 pad = floor((n - nLow + 1) / 2)
  random         exactly round(n / accel) - nLow outer rows drawn without
                 replacement (the engine's deviation from fastMRI's binomial
                 count, so every mask hits the requested acceleration)
  equispaced     rows offset, offset + accel, ... (offset in [0, round(accel)))
                 plus the centre; achieved acceleration is lower than requested
  equispaced-fraction  spacing accel (nLow - n) / (nLow accel - n), starts in
                 [offset, n - 1), positions rounded, plus the centre
1D masks select ROWS ky of a [ky][kx] mask.

Random numbers: the engine uses its own seeded generator (createRng), which
this module does not reproduce bit for bit; the same seed gives a different
mask here, with the same distribution. `offset` can be passed explicitly so
a deterministic kind reproduces an engine mask exactly.

The 2D Poisson-disc sampler (poisson.ts) is approximated by `poisson_like`, a
variable-density random mask with the same calibration square and a radial
density tuned to the requested acceleration; it is meant for training
augmentation, not parity.
"""
from __future__ import annotations

import numpy as np

LINE_KINDS = ("random", "equispaced", "equispaced-fraction")


def _js_round(x: float) -> int:
    # Math.round rounds halves up; Python's round() rounds halves to even.
    return int(np.floor(x + 0.5))


def center_block(n: int, center_fraction: float) -> tuple[int, int]:
    n_low = _js_round(n * center_fraction)
    pad = (n - n_low + 1) // 2
    return pad, pad + n_low


def validate(kind: str, n: int, accel: float, center_fraction: float) -> None:
    if kind not in LINE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(LINE_KINDS)}, got {kind!r}")
    if not isinstance(n, (int, np.integer)) or n <= 0:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if not np.isfinite(accel) or accel <= 1:
        raise ValueError(f"accel must be > 1, got {accel}")
    if not (0 <= center_fraction < 1):
        raise ValueError(f"centerFraction must be in [0, 1), got {center_fraction}")
    if center_fraction * accel >= 1:
        raise ValueError(f"centerFraction x accel must be < 1, got centerFraction {center_fraction} with accel {accel}")


def _spaced(n: int, step: float, offset: int, end: int, rows: np.ndarray) -> None:
    k = 0
    while True:
        pos = offset + k * step
        if pos >= end:
            break
        r = _js_round(pos)
        if r < n:
            rows[r] = 1
        k += 1


def line_mask(kind: str, n: int, accel: float, center_fraction: float,
              rng: np.random.Generator | None = None, offset: int | None = None) -> tuple[np.ndarray, tuple[int, int]]:
    """Length-n uint8 row selection and the [start, end) centre block."""
    validate(kind, n, accel, center_fraction)
    rng = rng if rng is not None else np.random.default_rng(0)
    rows = np.zeros(n, dtype=np.uint8)
    c0, c1 = center_block(n, center_fraction)
    n_low = c1 - c0
    if kind == "random":
        outer = np.array([i for i in range(n) if i < c0 or i >= c1], dtype=np.int64)
        k = min(len(outer), max(0, _js_round(n / accel) - n_low))
        rows[rng.choice(outer, size=k, replace=False)] = 1
    elif kind == "equispaced":
        span = max(1, _js_round(accel))
        off = int(rng.integers(span)) if offset is None else int(offset)
        _spaced(n, accel, off, n, rows)
    else:
        adjusted = accel * (n_low - n) / (n_low * accel - n)
        span = max(1, _js_round(adjusted))
        off = int(rng.integers(span)) if offset is None else int(offset)
        _spaced(n, adjusted, off, n - 1, rows)
    rows[c0:c1] = 1
    return rows, (c0, c1)


def mask_2d(rows: np.ndarray, nx: int) -> np.ndarray:
    """[ky][kx] float32 mask from a row selection."""
    return np.repeat(rows.astype(np.float32)[:, None], nx, axis=1)


def achieved_accel(mask: np.ndarray) -> float:
    s = int(np.count_nonzero(mask))
    return float("inf") if s == 0 else mask.size / s


def poisson_like(ny: int, nx: int, accel: float, calib: int, rng: np.random.Generator) -> np.ndarray:
    """Variable-density 2D random mask (training stand-in for poisson.ts), calib square filled."""
    cy0, cx0 = ny // 2 - calib // 2, nx // 2 - calib // 2
    yy = (np.arange(ny) - ny / 2) / (ny / 2)
    xx = (np.arange(nx) - nx / 2) / (nx / 2)
    r = np.sqrt(yy[:, None] ** 2 + xx[None, :] ** 2)
    target = ny * nx / accel
    lo, hi = 0.0, 50.0
    for _ in range(50):  # bisect the density exponent for the expected sample count
        p = 0.5 * (lo + hi)
        dens = np.clip((1 - np.clip(r, 0, 1)) ** p, 0, 1) * (r <= 1)
        dens[cy0:cy0 + calib, cx0:cx0 + calib] = 1
        if dens.sum() > target:
            lo = p
        else:
            hi = p
    m = (rng.random((ny, nx)) < dens).astype(np.float32)
    m[cy0:cy0 + calib, cx0:cx0 + calib] = 1
    return m
