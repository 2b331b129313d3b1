"""CI check of train.py's image losses (numbers, not shapes): a prediction that
differs from the target only by a phase ramp must cost nothing under the
magnitude losses and something under ssim-cl1, and an exact prediction must cost
nothing under every loss.   /usr/bin/python3 models/check_loss.py"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402


def main() -> int:
    torch.manual_seed(0)
    mag = torch.rand(2, 1, 24, 20) + 0.1
    phase = torch.linspace(0, 2.0, 20).expand(2, 1, 24, 20)
    tgt = torch.stack([mag, torch.zeros_like(mag)], -1)
    rotated = torch.stack([mag * phase.cos(), mag * phase.sin()], -1)
    checks = []
    for kind in ("l1", "ssim-l1", "ssim-cl1"):
        exact = float(train.image_loss(tgt, tgt, kind))
        rot = float(train.image_loss(rotated, tgt, kind))
        checks.append((f"{kind}: exact prediction costs ~0", exact < 1e-4, exact))
        want_cost = kind == "ssim-cl1"
        checks.append((f"{kind}: phase-only error {'costs' if want_cost else 'is free'}", (rot > 0.1) if want_cost else (rot < 1e-4), rot))
    # magnitude U-Net path: 4-D inputs, complex kinds fall back to the magnitude L1
    m4 = float(train.image_loss(mag, mag, "ssim-cl1"))
    checks.append(("ssim-cl1 on magnitudes (U-Net magnitude output) costs ~0 when exact", m4 < 1e-4, m4))
    bad = [c for c in checks if not c[1]]
    for name, ok, v in checks:
        print(f"{'ok ' if ok else 'BAD'} {name}: {v:.5f}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
