"""Complex arithmetic on real tensors with a trailing (re, im) axis of size 2,
and centred orthonormal 2D DFTs written as matrix products.

torch 1.13 cannot export torch.fft to ONNX, and a DFT matrix that enters the
graph as an INPUT lets one exported model serve every matrix size: the caller
passes Fh [H,H,2] and Fw [W,W,2] (see dft_matrix), the same bytes as the
engine's interleaved complex Float32Array.
"""
from __future__ import annotations

import numpy as np
import torch


def dft_matrix(n: int) -> np.ndarray:
    """Centred orthonormal DFT F (fftshift . fft(norm='ortho') . ifftshift) as [n, n, 2] float32."""
    eye = np.eye(n)
    f = np.fft.fftshift(np.fft.fft(np.fft.ifftshift(eye, axes=0), axis=0, norm="ortho"), axes=0)
    return np.stack([f.real, f.imag], -1).astype(np.float32)


def cmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    ar, ai = a[..., 0], a[..., 1]
    br, bi = b[..., 0], b[..., 1]
    return torch.stack([ar * br - ai * bi, ar * bi + ai * br], -1)


def cmul_conj(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """conj(a) * b."""
    ar, ai = a[..., 0], a[..., 1]
    br, bi = b[..., 0], b[..., 1]
    return torch.stack([ar * br + ai * bi, ar * bi - ai * br], -1)


def _mm_left(m: torch.Tensor, x: torch.Tensor, conj_t: bool) -> torch.Tensor:
    """M @ x over the H axis (or M^H @ x when conj_t); x [..., H, W, 2], m [H, H, 2]."""
    mr, mi = m[..., 0], m[..., 1]
    if conj_t:
        mr, mi = mr.transpose(0, 1), -mi.transpose(0, 1)
    xr, xi = x[..., 0], x[..., 1]
    return torch.stack([torch.matmul(mr, xr) - torch.matmul(mi, xi), torch.matmul(mr, xi) + torch.matmul(mi, xr)], -1)


def _mm_right(x: torch.Tensor, m: torch.Tensor, conj: bool) -> torch.Tensor:
    """x @ M^T over the W axis (x @ conj(M) when conj, the inverse for unitary M)."""
    mr, mi = m[..., 0], m[..., 1]
    if conj:
        mt_r, mt_i = mr, -mi  # (M^H)^T = conj(M)
    else:
        mt_r, mt_i = mr.transpose(0, 1), mi.transpose(0, 1)
    xr, xi = x[..., 0], x[..., 1]
    return torch.stack([torch.matmul(xr, mt_r) - torch.matmul(xi, mt_i), torch.matmul(xr, mt_i) + torch.matmul(xi, mt_r)], -1)


def fft2c(x: torch.Tensor, fh: torch.Tensor, fw: torch.Tensor) -> torch.Tensor:
    return _mm_right(_mm_left(fh, x, False), fw, False)


def ifft2c(k: torch.Tensor, fh: torch.Tensor, fw: torch.Tensor) -> torch.Tensor:
    return _mm_right(_mm_left(fh, k, True), fw, True)
