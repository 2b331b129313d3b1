"""CI check of CIRIM's optional learned gradient step (CirimConfig.dc_step), in
numbers: adding it to a model trained without it changes nothing (weights start
at 0), and with a weight w every time step is exactly the plain step minus w
times the log-likelihood gradient.   /usr/bin/python3 models/check_dc_step.py"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402
from recon_models.cirim import rim_step, sense_expand_grad  # noqa: E402
from recon_models.complex_ops import dft_matrix  # noqa: E402


def main() -> int:
    torch.manual_seed(0)
    n = 24
    plain, cfg = train.build("cirim", {"cascades": 2, "time_steps": 3, "convs": [(6, 5, 1), (6, 3, 2)], "final_kernel": 3})
    mask = (torch.rand(1, 1, n, n, 1) > 0.6).float()
    k = torch.randn(1, 3, n, n, 2) * mask
    sens = torch.randn(1, 3, n, n, 2) * 0.5
    f = torch.from_numpy(dft_matrix(n))
    upgraded, _ = train.with_dc_step("cirim", cfg, plain.state_dict())
    with torch.no_grad():
        a, b = plain(k, mask, sens, f, f)[-1], upgraded(k, mask, sens, f, f)[-1]
        same = float((a - b).abs().max())
        block = upgraded.cascades[1]
        block.dc_weight.fill_(0.7)
        eta = torch.randn(1, 1, n, n, 2)
        g = sense_expand_grad(eta, k, mask, sens, f, f)
        hs = list(torch.split(torch.rand(1, cfg.hidden_channels, n, n), [c for c, _, _ in cfg.convs], 1))
        with_w, _ = rim_step(block, eta, g, hs)
        without, _ = rim_step(plain.cascades[1], eta, g, hs)
        step_err = float((with_w - (without - 0.7 * g)).abs().max())
    checks = [("added at 0: same output as the model without it", same < 1e-6, same),
              ("w = 0.7: step = plain step - 0.7 grad", step_err < 1e-5, step_err)]
    for name, ok, v in checks:
        print(f"{'ok ' if ok else 'BAD'} {name}: {v:.2e}")
    return 0 if all(c[1] for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
