"""RIM baseline: ONE recurrent inference machine (Putzky & Welling 2017; the
MRI form of Lonning et al. 2019), with ConvGRU cells, own implementation.

It is CIRIM's cascade with GRU instead of IndRNN cells and a single cascade,
so there is no implicit data consistency between cascades: for T time steps
the network sees the current estimate eta and the same log-likelihood
gradient as CIRIM,
    g = sum_c conj(S_c) F^-1( M (F(S_c eta)) - y_c )
(4 channels: eta re/im, g re/im), runs conv layers each followed by a ConvGRU
cell, and a final conv predicts the update eta <- eta + dEta. Every step's
estimate enters the loss (cirim.step_weights).

Tensors as in cirim.py (complex = trailing (re, im) axis); the exported graph
is `RimStep`: (eta, hidden, kspace, mask, sens, fh, fw) -> (eta_out,
hidden_out), hidden = zeros on the one call the engine makes. Keeping hidden as
an input gives the RIM the same ONNX contract as one CIRIM cascade, so the
engine runs both through the same cascade runner (cascades = 1).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from .cirim import unroll_rim, zero_filled


@dataclass
class RimConfig:
    time_steps: int = 8
    # (out channels, kernel, dilation) per conv layer; each followed by a ConvGRU cell
    convs: list = field(default_factory=lambda: [(64, 5, 1), (64, 3, 2)])
    final_kernel: int = 3
    cascades: int = 1  # fixed: a RIM is one cascade (kept for the manifest and the engine)

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def hidden_channels(self) -> int:
        return sum(c for c, _, _ in self.convs)


class ConvGRUCell(nn.Module):
    """h' = (1 - z) h + z tanh(Wx x + Wh (r . h)), z, r = sigmoid(W x + U h).
    1x1 convolutions: the conv layer before each cell supplies the spatial
    context, which keeps the recurrent part cheap on a CPU."""

    def __init__(self, channels: int):
        super().__init__()
        self.x_gates = nn.Conv2d(channels, 3 * channels, 1)
        self.h_gates = nn.Conv2d(channels, 2 * channels, 1, bias=False)
        self.h_cand = nn.Conv2d(channels, channels, 1, bias=False)

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        xz, xr, xn = torch.chunk(self.x_gates(x), 3, dim=1)
        hz, hr = torch.chunk(self.h_gates(h), 2, dim=1)
        z = torch.sigmoid(xz + hz)
        r = torch.sigmoid(xr + hr)
        n = torch.tanh(xn + self.h_cand(r * h))
        return (1 - z) * h + z * n


class RIM(nn.Module):
    def __init__(self, cfg: RimConfig):
        super().__init__()
        if cfg.cascades != 1:
            raise ValueError(f"a RIM has exactly one cascade, got cascades={cfg.cascades} (use CIRIM for more)")
        self.cfg = cfg
        self.convs = nn.ModuleList()
        self.cells = nn.ModuleList()
        cin = 4
        for cout, k, d in cfg.convs:
            self.convs.append(nn.Conv2d(cin, cout, k, padding=d * (k // 2), dilation=d))
            self.cells.append(ConvGRUCell(cout))
            cin = cout
        self.final = nn.Conv2d(cin, 2, cfg.final_kernel, padding=cfg.final_kernel // 2)

    def init_state(self, kspace, sens, fh, fw):
        b, _, h, w, _ = kspace.shape
        return zero_filled(kspace, sens, fh, fw), kspace.new_zeros(b, self.cfg.hidden_channels, h, w)

    def steps(self, eta, hidden, kspace, mask, sens, fh, fw):
        """Every time step's estimate and the final hidden state."""
        return unroll_rim(self, eta, hidden, kspace, mask, sens, fh, fw)

    def forward(self, kspace, mask, sens, fh, fw):
        """All time-step estimates (for the per-step loss); the last is the output."""
        eta, hidden = self.init_state(kspace, sens, fh, fw)
        return self.steps(eta, hidden, kspace, mask, sens, fh, fw)[0]


class RimStep(nn.Module):
    """ONNX wrapper: (eta, hidden, kspace, mask, sens, fh, fw) -> (eta_out, hidden_out)."""

    def __init__(self, model: RIM):
        super().__init__()
        self.model = model

    def forward(self, eta, hidden, kspace, mask, sens, fh, fw):
        etas, h = self.model.steps(eta, hidden, kspace, mask, sens, fh, fw)
        return etas[-1], h
