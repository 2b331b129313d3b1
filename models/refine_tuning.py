"""Tunes the safety factor tau of CIRIM's data-consistency refinement (engine option
`refine`, electron/engine/recon/cirim.ts REFINE_TAU) on a TRAINING subject.

For each coil count, sampling setting and SNR: the checkpoint's output, then CGLS on
min ||A x - y||^2 started from it and stopped once ||A x - y||^2 <= tau * m * sigma^2
(m measured complex samples, sigma^2 the complex noise variance; noiseless: run all
iterations). The same arithmetic as the engine's refineToDiscrepancy, in PyTorch.

  /usr/bin/python3 models/refine_tuning.py colin27 6 8,1 inf,200,80,40 1,1.5,2,4 [CKPT] [--max-iters 50,200] > LOG

Prints one JSON row per (coils, setting, SNR): "model" = the checkpoint's SSIM / PSNR,
"tauT" = after refinement with tau T, plus the mean number of CGLS iterations.
"""
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import evaluate as ev  # noqa: E402
import train  # noqa: E402
from recon_models.complex_ops import cmul, cmul_conj, dft_matrix, fft2c, ifft2c  # noqa: E402

MAX_ITERS = [50]


def cgls(k, mask, sens, x, target, maxit, fh, fw):
    """CGLS on min ||A x - y||^2 from x, stopped when the misfit is <= target."""
    A = lambda z: fft2c(cmul(sens, z), fh, fw) * mask  # noqa: E731
    AH = lambda r: cmul_conj(sens, ifft2c(r * mask, fh, fw)).sum(1, keepdim=True)  # noqa: E731
    r = k - A(x)
    s = AH(r)
    p = s.clone()
    g = (s * s).sum()
    its = 0
    while its < maxit and float((r * r).sum()) > target:
        q = A(p)
        al = g / (q * q).sum()
        x = x + al * p
        r = r - al * q
        s = AH(r)
        gn = (s * s).sum()
        p = s + gn / g * p
        g = gn
        its += 1
    return x, its


def main() -> int:
    argv = sys.argv[1:]
    max_iters = MAX_ITERS
    if "--max-iters" in argv:
        i = argv.index("--max-iters")
        max_iters = [int(v) for v in argv[i + 1].split(",")]
        del argv[i:i + 2]
    sys.argv = [sys.argv[0]] + argv
    subj, per = sys.argv[1], int(sys.argv[2])
    if subj in ev.HELD_OUT:
        raise SystemExit(f"{subj} is the held-out subject: tune on a training subject")
    coil_list = [int(c) for c in sys.argv[3].split(",")]
    snrs = [None if s == "inf" else float(s) for s in sys.argv[4].split(",")]
    taus = [float(t) for t in sys.argv[5].split(",")]
    ckpt = sys.argv[6] if len(sys.argv) > 6 else os.path.join(HERE, "checkpoints", "cirim-rn", "last.pt")
    torch.set_num_threads(2)
    stack = ev.held_out_stack(128, per, (subj,))
    _, model, _, _ = train.load_checkpoint(ckpt)
    model.eval()
    fh = torch.from_numpy(dft_matrix(128))
    fw = fh
    tm = ev.tissue_mean(stack)
    for coils in coil_list:
        for si in (0, 1, 2):
            setting = ev.SETTINGS[si]
            for snr in snrs:
                acq = ev.acquire(stack, coils, setting, seed=1000 + 10 * si + coils)
                if snr:
                    acq = ev.add_noise(acq, snr, tm, seed=7 + si + coils)
                mask = torch.from_numpy(acq["mask"])[None, None, :, :, None]
                sens = torch.from_numpy(ev.ri(acq["sens"]))[None]
                m = float(acq["mask"].sum()) * coils
                outs, its_of = {}, {}
                with torch.no_grad():
                    for i in range(stack.shape[0]):
                        s = acq["scales"][i]
                        k = torch.from_numpy(ev.ri(acq["kspace"][i] / s))[None]
                        sig = 0.0 if snr is None else tm / snr / s  # complex SD per sample, scaled units
                        xc = model(k, mask, sens, fh, fw)[-1]
                        mag = lambda z: s * z.pow(2).sum(-1).sqrt()[0, 0].numpy()  # noqa: E731
                        outs.setdefault("model", []).append(mag(xc))
                        for tau in (taus if snr else [1.0]):
                            for mi in max_iters:
                                x, its = cgls(k, mask, sens, xc, tau * m * sig ** 2, mi, fh, fw)
                                key = f"tau{tau}" if len(max_iters) == 1 else f"tau{tau}-it{mi}"
                                outs.setdefault(key, []).append(mag(x))
                                its_of.setdefault(key, []).append(its)
                row = {"coils": coils, "setting": setting[0], "snr": snr}
                for key, v in outs.items():
                    met = ev.volume_metrics(stack, np.stack(v))
                    row[key] = (round(met["ssim"], 4), round(met["psnr"], 2)) + ((float(np.mean(its_of[key])),) if key in its_of else ())
                print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
