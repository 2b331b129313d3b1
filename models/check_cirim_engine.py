"""CI check that the engine runs an exported CIRIM exactly as PyTorch runs the
checkpoint, first estimate included: a tiny random CIRIM with the learned
gradient step (dc_step, weights set non-zero) and a CG-SENSE first estimate
(init_cg, Tikhonov-damped: init_cg_lambda) is exported both ways (cascade and time-step units) to a temp folder,
and the same model with proximal data consistency after each cascade (cascade_dc, mu set per cascade) as
time steps (the engine runs that CG between cascades from the manifest's cascadeDc), and each is run through the engine (models/eval_engine.ts, onnxruntime-node) on 4-coil
and single-coil acquisitions; the magnitudes must agree with PyTorch's within
1e-3 relative (float32 CG in two implementations).
  /usr/bin/python3 models/check_cirim_engine.py"""
import os
import shutil
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evaluate as ev  # noqa: E402
import export_onnx  # noqa: E402
import train  # noqa: E402


def phantom(n: int, ny: int, nx: int, rng) -> np.ndarray:
    """n slices of a few smooth ellipses (no data files needed)."""
    yy, xx = np.mgrid[:ny, :nx]
    out = np.zeros((n, ny, nx), np.float32)
    for i in range(n):
        for _ in range(4):
            cy, cx, ry, rx = rng.uniform(0.3, 0.7) * ny, rng.uniform(0.3, 0.7) * nx, rng.uniform(3, ny / 3), rng.uniform(3, nx / 3)
            out[i] += rng.uniform(0.3, 1.0) * (((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 < 1)
    return out


def main() -> int:
    work = tempfile.mkdtemp(prefix="check-cirim-engine-")
    try:
        return check(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check(work: str) -> int:
    torch.manual_seed(3)
    rng = np.random.default_rng(3)
    model, cfg = train.build("cirim", {"cascades": 2, "time_steps": 2, "convs": [(6, 5, 1), (6, 3, 2)], "final_kernel": 3,
                                       "dc_step": True, "init_cg": 6, "init_cg_lambda": 0.05})
    with torch.no_grad():
        for i, c in enumerate(model.cascades):
            c.dc_weight.fill_(0.2 + 0.3 * i)
    ckpt = os.path.join(work, "tiny.pt")
    torch.save({"model": model.state_dict(), "config": cfg.to_dict(), "kind": "cirim", "step": 0, "args": {"note": "random weights"}}, ckpt)
    names = {"cascade": "tiny-cirim", "time-step": "tiny-cirim-step"}
    for unit, name in names.items():
        export_onnx.export_checkpoint(ckpt, name, out_root=work, unit=unit, note="CI check: random weights")
    dc_model, dc_cfg = train.with_added("cirim", cfg, model.state_dict(), {"cascade_dc": 4}, "dc_log_mu")
    with torch.no_grad():
        for i, c in enumerate(dc_model.cascades):
            c.dc_log_mu.fill_(float(np.log(0.05 + 0.25 * i)))
    dc_ckpt = os.path.join(work, "tiny-dc.pt")
    torch.save({"model": dc_model.state_dict(), "config": dc_cfg.to_dict(), "kind": "cirim", "step": 0, "args": {"note": "random weights"}}, dc_ckpt)
    export_onnx.export_checkpoint(dc_ckpt, "tiny-cirim-dc", out_root=work, unit="time-step", note="CI check: random weights")
    checkpoints = {"tiny-cirim": ckpt, "tiny-cirim-step": ckpt, "tiny-cirim-dc": dc_ckpt}
    stack = phantom(2, 32, 28, rng)
    ok = True
    for coils in (4, 1):
        acq = ev.acquire(stack, coils, ev.SETTINGS[0], seed=5)
        case = os.path.join(work, f"c{coils}")
        os.makedirs(case)
        np.save(os.path.join(case, "kspace.npy"), ev.ri(acq["kspace"]))
        np.save(os.path.join(case, "mask.npy"), acq["mask"])
        np.save(os.path.join(case, "sens.npy"), ev.ri(np.broadcast_to(acq["sens"], acq["kspace"].shape)))
        want = {p: ev.run_checkpoint(p, acq) for p in set(checkpoints.values())}
        jobs = [{"method": "cirim", "model": name, "modelsDir": work, "dir": case, "out": os.path.join(case, f"{name}.npy")} for name in checkpoints]
        ev.run_onnx_folders(jobs)
        for j in jobs:
            got = np.load(j["out"])
            want_j = want[checkpoints[j["model"]]]
            rel = float(np.linalg.norm(got - want_j) / np.linalg.norm(want_j))
            good = rel < 1e-3
            ok &= good
            print(f"{'ok ' if good else 'BAD'} {j['model']}, {coils} coil(s): engine vs PyTorch relative difference {rel:.2e}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
