"""CIRIM: Cascades of Independently Recurrent Inference Machines
(Karkalousos et al., Phys. Med. Biol. 2022), own implementation.

Each cascade is a RIM run for T time steps. At every step the network sees the
current estimate eta and the log-likelihood gradient
    g = sum_c conj(S_c) F^-1( M (F(S_c eta)) - y_c )
(4 channels: eta re/im, g re/im), passes them through conv layers each
followed by an IndRNN cell (h' = relu(W x + u . h + b), u per channel, as
IndRNN), and a final conv predicts the update: eta <- eta + dEta. There is no
explicit data-consistency layer (the gradient carries the data: "implicit
DC"), unless dc_step is set: then each cascade also has one learned weight w
and every step is eta <- eta + dEta - w g, a gradient step on the data term
next to the learned update (w starts at 0, so a checkpoint trained without it
resumes unchanged). Measured reason: the implicit-DC CIRIM left 9-13% of the
measured k-space unexplained on held-out data and fell BELOW plain Landweber
(x <- x - g, 32 steps) in 8-coil PSNR (25.5 vs 26.4 dB at 4x, 27.2 vs 29.9
dB Poisson 8x). mridc's RIM block carries the same option (a learned soft-DC
weight), off in the paper's headline configuration. With init_cg the first
estimate is CG-SENSE (cg_sense) instead of A^H y. As in the reference design
the next cascade starts from the previous cascade's estimate and hidden
states, and every time step's estimate enters the loss (step_weights).

Tensors (complex = trailing axis of 2, (re, im)):
  eta     [B, 1, H, W, 2]  current estimate (cascade 0: the SENSE-combined zero-filled image)
  hidden  [B, NH, H, W]    all IndRNN states concatenated on channels (zeros for cascade 0)
  kspace  [B, C, H, W, 2]  masked, scaled k-space (data.py normalisation)
  mask    [1, 1, H, W, 1]  0/1
  sens    [B, C, H, W, 2]  coil maps (single coil: ones)
  fh, fw  [H, H, 2], [W, W, 2] centred orthonormal DFT matrices (complex_ops.dft_matrix)
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from .complex_ops import cmul, cmul_conj, fft2c, ifft2c


@dataclass
class CirimConfig:
    cascades: int = 5
    time_steps: int = 8
    # (out channels, kernel, dilation) per conv layer; each but the last is followed by an IndRNN
    convs: list = field(default_factory=lambda: [(64, 5, 1), (64, 3, 2)])
    final_kernel: int = 3
    dc_step: bool = False  # a learned gradient-step weight per cascade (see the module docstring)
    init_cg: int = 0  # first estimate: 0 = SENSE-combined zero-filled A^H y; N > 0 = N CG iterations on A^H A x = A^H y (cg_sense)
    # Tikhonov weight of that CG start, (A^H A + lambda I) x = A^H y, in the scaled units the model sees: unregularised
    # (0) CG-SENSE amplifies k-space noise along the g-factor hot spots with every iteration (40 iterations turn an
    # SNR-40 8-coil 4x acquisition into SSIM 0.57); 0.01 bounds that gain and costs little on noiseless data.
    init_cg_lambda: float = 0.0
    # Proximal data consistency after every cascade (MoDL-style): this many CG iterations on
    # (A^H A + mu I) x = A^H y + mu eta from x = eta, with one learned mu per cascade (0 = off, the
    # paper's design). models/diagnose_unrolled.py: with 8 coils 200 plain CG-SENSE iterations beat
    # the gradient-fed cascades by 0.8-5 dB on a training subject; this lets each cascade use the data
    # as CG does, and mu (learned, so noise-aware on average) sets how far to trust it.
    cascade_dc: int = 0
    # Noise-aware cascade_dc: with a sample's k-space noise SD sigma (scaled units) known, each
    # step uses mu_c + dc_noise_gain * sigma^2 (the MAP weight sigma^2 / tau^2 with 1/tau^2 =
    # the gain), as the engine's dcNoiseGain does; 0 = the learned mu only.
    dc_noise_gain: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def hidden_channels(self) -> int:
        return sum(c for c, _, _ in self.convs)


class IndRNNCell(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.ih = nn.Conv2d(channels, channels, 1)
        # Recurrent weights start in (0, 1) so early states neither vanish nor explode.
        self.u = nn.Parameter(torch.rand(1, channels, 1, 1) * 0.5 + 0.25)

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.ih(x) + self.u * h)


def sense_expand_grad(eta, kspace, mask, sens, fh, fw):
    """sum_c conj(S_c) F^-1(M F(S_c eta) - y_c), [B, 1, H, W, 2]."""
    pred = fft2c(cmul(sens, eta), fh, fw) * mask
    resid = ifft2c(pred - kspace, fh, fw)
    return cmul_conj(sens, resid).sum(1, keepdim=True)


def zero_filled(kspace, sens, fh, fw):
    """sum_c conj(S_c) F^-1 y_c: the initial estimate, [B, 1, H, W, 2]."""
    return cmul_conj(sens, ifft2c(kspace, fh, fw)).sum(1, keepdim=True)


def normal_op(mask, sens, fh, fw, lam=0.0):
    """x -> (A^H A + lam I) x with A = M F S (lam a float or a tensor)."""
    def normal(x):
        out = cmul_conj(sens, ifft2c(fft2c(cmul(sens, x), fh, fw) * mask, fh, fw)).sum(1, keepdim=True)
        return out + lam * x if (torch.is_tensor(lam) or lam) else out
    return normal


def batch_dot(a, c):
    """Re<a, c> per batch item, [B, 1, 1, 1, 1]."""
    return (a * c).sum(dim=(1, 2, 3, 4), keepdim=True)


def cg_sense(kspace, mask, sens, fh, fw, iters: int, tol: float = 1e-6, lam: float = 0.0):
    """iters conjugate-gradient iterations on (A^H A + lam I) x = A^H y from x = 0 (A = M F S),
    per batch item, stopping an item once ||r|| <= tol ||A^H y||: the unregularised
    CG-SENSE estimate, as the engine's solvers/cg.ts cgSolve. Single coil (S = 1) it is
    A^H y itself, the zero-filled image (A^H A is then a projection with A^H y in its
    range: CG's exact first step), returned directly since further float32 iterations
    would only chase rounding noise."""
    b = zero_filled(kspace, sens, fh, fw)
    if sens.shape[1] == 1:
        return b

    normal = normal_op(mask, sens, fh, fw, lam)
    dot = batch_dot
    x = torch.zeros_like(b)
    r, p = b.clone(), b.clone()
    rr = dot(r, r)
    stop = (tol ** 2) * rr
    zero = torch.zeros_like(rr)
    for _ in range(iters):
        ap = normal(p)
        pap = dot(p, ap)
        active = (rr > stop) & (pap > 0)
        if not bool(active.any()):
            break
        alpha = torch.where(active, rr / torch.where(active, pap, torch.ones_like(pap)), zero)
        x = x + alpha * p
        r = r - alpha * ap
        rr_new = dot(r, r)
        beta = torch.where(active, rr_new / torch.where(active, rr, torch.ones_like(rr)), zero)
        p = torch.where(active, r + beta * p, p)
        rr = torch.where(active, rr_new, rr)
    return x


def _to_ch(z: torch.Tensor) -> torch.Tensor:
    # [B,1,H,W,2] -> [B,2,H,W]
    return z[:, 0].permute(0, 3, 1, 2)


def _from_ch(z: torch.Tensor) -> torch.Tensor:
    return z.permute(0, 2, 3, 1).unsqueeze(1)


class RIMCascade(nn.Module):
    """One cascade: T recurrent steps; returns every step's estimate and the new hidden state."""

    def __init__(self, cfg: CirimConfig):
        super().__init__()
        self.cfg = cfg
        self.convs = nn.ModuleList()
        self.cells = nn.ModuleList()
        cin = 4
        for cout, k, d in cfg.convs:
            self.convs.append(nn.Conv2d(cin, cout, k, padding=d * (k // 2), dilation=d))
            self.cells.append(IndRNNCell(cout))
            cin = cout
        self.final = nn.Conv2d(cin, 2, cfg.final_kernel, padding=cfg.final_kernel // 2)
        if getattr(cfg, "dc_step", False):
            self.dc_weight = nn.Parameter(torch.zeros(1))
        if getattr(cfg, "cascade_dc", 0) > 0:
            self.dc_log_mu = nn.Parameter(torch.full((1,), math.log(PROX_MU_INIT)))

    def forward(self, eta, hidden, kspace, mask, sens, fh, fw, noise_std=None):
        etas, h = unroll_rim(self, eta, hidden, kspace, mask, sens, fh, fw)
        if getattr(self.cfg, "cascade_dc", 0) > 0:
            etas[-1] = prox_dc(etas[-1], kspace, mask, sens, fh, fw, dc_mu(self, noise_std), self.cfg.cascade_dc)
        return etas, h


def dc_mu(cascade, noise_std=None):
    """The cascade's proximal DC weight: learned mu, plus dc_noise_gain * sigma^2 per batch item
    ([B, 1, 1, 1, 1]) when the items' k-space noise SDs (scaled units, [B]) are given."""
    mu = cascade.dc_log_mu.exp()
    gain = getattr(cascade.cfg, "dc_noise_gain", 0.0)
    if noise_std is None or not gain:
        return mu
    return mu + gain * noise_std.reshape(-1, 1, 1, 1, 1) ** 2


PROX_MU_INIT = 0.1  # prox_dc's mu before training (scaled units; A^H A has eigenvalues in [0, 1])


def prox_dc(eta, kspace, mask, sens, fh, fw, mu, iters: int):
    """argmin_x ||A x - y||^2 + mu ||x - eta||^2 by `iters` CG iterations on
    (A^H A + mu I) x = A^H y + mu eta started at eta; differentiable in eta and mu
    (a fixed iteration count, no early exit, so the graph is the same for every batch)."""
    normal = normal_op(mask, sens, fh, fw, mu)
    dot = batch_dot
    b = zero_filled(kspace, sens, fh, fw) + mu * eta
    x = eta
    r = b - normal(x)
    p = r
    rr = dot(r, r)
    for _ in range(iters):
        ap = normal(p)
        alpha = rr / dot(p, ap).clamp_min(1e-20)
        x = x + alpha * p
        r = r - alpha * ap
        rr_new = dot(r, r)
        p = r + (rr_new / rr.clamp_min(1e-20)) * p
        rr = rr_new
    return x


def unroll_rim(block, eta, hidden, kspace, mask, sens, fh, fw):
    """The RIM recurrence shared by CIRIM cascades and the RIM baseline.

    block has cfg (time_steps, convs), convs, cells (any recurrent cell taking
    (input, state)) and final. Each step feeds the estimate and the
    log-likelihood gradient through conv + cell layers and adds the update.
    Returns every step's estimate and the hidden states concatenated on channels.
    """
    hs = list(torch.split(hidden, [c for c, _, _ in block.cfg.convs], dim=1))
    etas = []
    for _ in range(block.cfg.time_steps):
        eta, hs = rim_step(block, eta, sense_expand_grad(eta, kspace, mask, sens, fh, fw), hs)
        etas.append(eta)
    return etas, torch.cat(hs, 1)


def rim_step(block, eta, g, hs: list):
    """One recurrent step of `block`: (estimate, log-likelihood gradient, states) -> (estimate + update, new states)."""
    hs = list(hs)
    x = torch.cat([_to_ch(eta), _to_ch(g)], 1)
    for i, (conv, cell) in enumerate(zip(block.convs, block.cells)):
        hs[i] = cell(torch.relu(conv(x)), hs[i])
        x = hs[i]
    out = eta + _from_ch(block.final(x))
    w = getattr(block, "dc_weight", None)
    return (out if w is None else out - w * g), hs


class CIRIM(nn.Module):
    def __init__(self, cfg: CirimConfig):
        super().__init__()
        self.cfg = cfg
        self.cascades = nn.ModuleList([RIMCascade(cfg) for _ in range(cfg.cascades)])

    def init_state(self, kspace, sens, fh, fw, mask=None):
        b, _, h, w, _ = kspace.shape
        if getattr(self.cfg, "init_cg", 0) > 0:
            if mask is None:
                raise ValueError("init_cg needs the sampling mask")
            with torch.no_grad():  # a fixed function of the data: no parameters, no gradient needed
                eta = cg_sense(kspace, mask, sens, fh, fw, self.cfg.init_cg, lam=getattr(self.cfg, "init_cg_lambda", 0.0))
        else:
            eta = zero_filled(kspace, sens, fh, fw)
        hidden = kspace.new_zeros(b, self.cfg.hidden_channels, h, w)
        return eta, hidden

    def forward(self, kspace, mask, sens, fh, fw, noise_std=None):
        """All time-step estimates of all cascades (for the per-step loss), last one = output.
        noise_std: [B] k-space noise SDs in scaled units, for a noise-aware cascade_dc."""
        eta, hidden = self.init_state(kspace, sens, fh, fw, mask)
        out = []
        for c in self.cascades:
            etas, hidden = c(eta, hidden, kspace, mask, sens, fh, fw, noise_std)
            out.extend(etas)
            eta = etas[-1]
        return out


def step_weights(time_steps: int) -> torch.Tensor:
    """Per-time-step loss weights within a cascade: log-spaced 0.1 -> 1, later steps count more."""
    return torch.logspace(-1, 0, time_steps)


class CascadeStep(nn.Module):
    """ONNX wrapper: one cascade call, (eta, hidden, data) -> (eta_out, hidden_out)."""

    def __init__(self, cascade: RIMCascade):
        super().__init__()
        self.cascade = cascade

    def forward(self, eta, hidden, kspace, mask, sens, fh, fw):
        etas, h = self.cascade(eta, hidden, kspace, mask, sens, fh, fw)
        return etas[-1], h


class _WeightSlot:
    """rim_step's `block` with no parameters of its own: cascade 0's layer modules,
    deep-copied, whose parameters are replaced by plain tensor attributes that
    StackedCascadeStep fills with the selected cascade's weights before each call
    (torch's stateless.functional_call does the same but refuses to run under the
    ONNX tracer)."""

    def __init__(self, block: RIMCascade):
        import copy
        self.names = [n for n, _ in block.named_parameters()]
        twin = copy.deepcopy(block)
        for n in self.names:
            owner, leaf = self._owner(twin, n)
            del owner._parameters[leaf]
            setattr(owner, leaf, None)
        self.convs, self.cells, self.final = twin.convs, twin.cells, twin.final
        self._twin = twin

    @property
    def dc_weight(self):
        return getattr(self._twin, "dc_weight", None)

    @staticmethod
    def _owner(module: nn.Module, dotted: str):
        *path, leaf = dotted.split(".")
        for p in path:
            module = getattr(module, p)
        return module, leaf

    def fill(self, weights: dict) -> "_WeightSlot":
        for n, w in weights.items():
            owner, leaf = self._owner(self._twin, n)
            setattr(owner, leaf, w)
        return self


class StackedCascadeStep(nn.Module):
    """ONNX wrapper holding EVERY cascade's weights stacked on a leading axis;
    the int64 input `cascade` ([1]) picks which cascade to run. One file and one
    session serve the whole unrolled model while the engine still calls it once
    per cascade (progress, preview and cancellation between calls)."""

    def __init__(self, model: CIRIM):
        super().__init__()
        self.cfg = model.cfg
        names = [n for n, _ in model.cascades[0].named_parameters()]
        self.names = names
        for n in names:
            stacked = torch.stack([dict(c.named_parameters())[n].detach() for c in model.cascades])
            self.register_buffer("w_" + n.replace(".", "_"), stacked)
        self.slot = _WeightSlot(model.cascades[0])

    def _step(self, eta, g, hs: list, cascade):
        """One time step of the selected cascade: rim_step on cascade 0's layers holding the
        selected cascade's slice of the stacked weights (Gather in the exported graph)."""
        picked = {n: torch.index_select(getattr(self, "w_" + n.replace(".", "_")), 0, cascade).squeeze(0) for n in self.names}
        return rim_step(self.slot.fill(picked), eta, g, hs)

    def forward(self, eta, hidden, kspace, mask, sens, fh, fw, cascade):
        hs = list(torch.split(hidden, [c for c, _, _ in self.cfg.convs], dim=1))
        for _ in range(self.cfg.time_steps):
            eta, hs = self._step(eta, sense_expand_grad(eta, kspace, mask, sens, fh, fw), hs, cascade)
        return eta, torch.cat(hs, 1)


class StackedTimeStep(StackedCascadeStep):
    """ONNX wrapper for ONE time step of the selected cascade, with the
    log-likelihood gradient as an INPUT: (eta, grad, hidden, cascade) ->
    (eta_out, hidden_out). The caller computes grad = A^H(A eta - y) with a
    real FFT (the engine's, native when built) instead of the DFT matrix
    products of the cascade graph, which cost 10% of a single-coil cascade and
    about 40% of an 8-coil one; it then calls this timeSteps times per cascade.
    Same weights, same arithmetic: the export asserts it reproduces a cascade."""

    def forward(self, eta, grad, hidden, cascade):
        hs = list(torch.split(hidden, [c for c, _, _ in self.cfg.convs], dim=1))
        eta, hs = self._step(eta, grad, hs, cascade)
        return eta, torch.cat(hs, 1)


class CascadeTimeStep(nn.Module):
    """ONE time step of ONE cascade with its weights as constants:
    (eta, grad, h_0, ..., h_{L-1}) -> (eta_out, h_0_out, ..., h_{L-1}_out), one
    state tensor per IndRNN layer. export_onnx.py exports one per cascade and
    joins them under ONNX If nodes on the `cascade` input, so ONNX Runtime sees
    constant conv weights it can pre-pack (its NCHWc kernels): about 27% less
    time per step than the Gather-selected weights, measured at 256x256 on this
    CPU. Separate states instead of one concatenated tensor spare the graph a
    Split and a Concat of every state (16 MB at 256x256) per call: 1-7% less
    time per slice in interleaved A/B runs (bench/learned/README, "Per-layer states")."""

    def __init__(self, cascade: RIMCascade):
        super().__init__()
        self.cascade = cascade
        self.cfg = cascade.cfg

    def forward(self, eta, grad, *hs):
        eta, hs = rim_step(self.cascade, eta, grad, list(hs))
        return (eta, *hs)
