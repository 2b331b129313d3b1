"""CI check of the training batches recurrent models see, in numbers: for every
mask kind and coil count of train.py, the log-likelihood gradient
sum_c conj(S_c) F^-1(M F(S_c x) - y_c) at the TRUE image is zero for every
sample of a batch (the k-space, mask and maps of a batch agree). It was not for
all but the first sample while batch_tensors shared the first sample's mask.
Also CG-SENSE (cirim.cg_sense) from those batches gets closer to the truth than
zero-filling when there are several coils, and equals it with one.
And the two slice pools train.py --planes picks from: "all" holds every axial
slice of "axial" plus coronal and sagittal ones, never a held-out subject's.
  /usr/bin/python3 models/check_batch.py"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402
from recon_models.cirim import cg_sense, sense_expand_grad, zero_filled  # noqa: E402
from recon_models.complex_ops import dft_matrix  # noqa: E402
from recon_models.data import HELD_OUT, slices_for, split, training_stream  # noqa: E402


def main() -> int:
    n = 48
    f = torch.from_numpy(dft_matrix(n))
    checks = []
    for i, m in enumerate(train.DEFAULT_MASKS):
        for coils in (1, 4):
            stream = training_stream(n, [m], 10 + i, coils, max_per_volume=2)
            k, mask, sens, tgt = train.batch_tensors([next(stream) for _ in range(3)])
            g = float(sense_expand_grad(tgt, k, mask, sens, f, f).abs().max() / tgt.abs().max())
            err = lambda x: float((x - tgt).norm() / tgt.norm())  # noqa: E731
            zf, cg = err(zero_filled(k, sens, f, f)), err(cg_sense(k, mask, sens, f, f, 10))
            name = f"{m.kind} {m.accel:g}x, {coils} coil(s)"
            checks.append((f"{name}: gradient at the truth is 0 for all 3 samples", g < 1e-5, f"{g:.1e}"))
            ok = abs(cg - zf) < 1e-6 if coils == 1 else cg < zf
            checks.append((f"{name}: CG-SENSE error {cg:.3f} {'=' if coils == 1 else '<'} zero-filled {zf:.3f}", ok, ""))
    train_subjects = split()["train"]
    axial, every = slices_for(train_subjects, 2), slices_for(train_subjects, 2, "all")
    found = sum(any(a.shape == b.shape and np.array_equal(a, b) for b in every) for a in axial)
    checks.append((f"planes all: {len(every)} slices, {found} of the {len(axial)} axial ones among them", found == len(axial) and len(every) > len(axial), ""))
    checks.append(("held-out subjects are not training subjects", not set(HELD_OUT) & set(train_subjects), ""))
    try:
        slices_for(train_subjects, 2, "oblique")
        checks.append(("planes oblique is refused", False, ""))
    except ValueError:
        checks.append(("planes oblique is refused", True, ""))
    for name, ok, v in checks:
        print(f"{'ok ' if ok else 'BAD'} {name} {v}")
    return 0 if all(c[1] for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
