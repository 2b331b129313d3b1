"""Export a CIRIM checkpoint to resources/models/<name>/ for the engine.

  /usr/bin/python3 models/export_onnx.py --checkpoint models/runs/cirim/last.pt --name cirim
  /usr/bin/python3 models/export_onnx.py --smoke            # tiny model, few steps -> cirim-smoke

Writes, atomically (a temp folder renamed into place): model.onnx (opset 13,
ONE cascade per call, all cascades' weights stacked and picked by the int64
input `cascade`), manifest.json (the contract: inputs, outputs, layout,
normalisation, training data and split, metrics, provenance) and golden/*.npy
(an input/output pair computed in PyTorch, replayed by the engine through
onnxruntime-node within 1e-4 relative).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from recon_models.cirim import CIRIM, CirimConfig, StackedCascadeStep  # noqa: E402
from recon_models.complex_ops import dft_matrix  # noqa: E402
from recon_models.data import HELD_OUT, SUBJECTS, MaskConfig, bart_scale, center_crop_pad, ifft2c, simulate, slices_for, split  # noqa: E402

OPSET = 13
CPLX = "real-imag-last"


def io_specs(cfg: CirimConfig) -> tuple[list, list]:
    nh = cfg.hidden_channels
    inputs = [
        {"name": "eta", "shape": ["B", 1, "H", "W", 2], "dtype": "float32", "complex": CPLX,
         "description": "current estimate, scaled; cascade 0: sum_c conj(S_c) ifft2c(y_c) (SENSE-combined zero-filled image)"},
        {"name": "hidden", "shape": ["B", nh, "H", "W"], "dtype": "float32",
         "description": f"IndRNN states of all layers concatenated on channels ({nh}); zeros for cascade 0, then the previous call's hidden_out"},
        {"name": "kspace", "shape": ["B", "C", "H", "W", 2], "dtype": "float32", "complex": CPLX,
         "description": "masked k-space divided by the normalisation scale; engine [slice][coil][ky][kx] interleaved"},
        {"name": "mask", "shape": [1, 1, "H", "W", 1], "dtype": "float32", "description": "0/1 sampling mask [ky][kx]"},
        {"name": "sens", "shape": ["B", "C", "H", "W", 2], "dtype": "float32", "complex": CPLX,
         "description": "coil maps, sum_c |S_c|^2 = 1; single coil: one map of ones (1 + 0i)"},
        {"name": "fh", "shape": ["H", "H", 2], "dtype": "float32", "complex": CPLX,
         "description": "centred orthonormal DFT matrix over ky: F[k][j] = fftc(e_j)[k] (engine learned/dft-matrix.ts centeredDftMatrix(H))"},
        {"name": "fw", "shape": ["W", "W", 2], "dtype": "float32", "complex": CPLX,
         "description": "the same for kx (centeredDftMatrix(W)); the model forms inverses as conjugate transposes"},
        {"name": "cascade", "shape": [1], "dtype": "int64", "description": f"which cascade's weights to run, 0..{cfg.cascades - 1}"},
    ]
    outputs = [
        {"name": "eta_out", "shape": ["B", 1, "H", "W", 2], "dtype": "float32", "complex": CPLX,
         "description": "estimate after this cascade's time steps; feed back as eta; after the last cascade multiply by scale"},
        {"name": "hidden_out", "shape": ["B", nh, "H", "W"], "dtype": "float32", "description": "feed back as hidden"},
    ]
    return inputs, outputs


def git_commit() -> str:
    try:
        c = subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "models"], capture_output=True, text=True).stdout.strip()
        return c + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def golden_case(h: int, w: int, coils: int, seed: int):
    """A real held-out slice, simulated at equispaced-fraction 4x, as model inputs."""
    img = slices_for(list(HELD_OUT), max_per_volume=3)[1]
    img = center_crop_pad(img[:: max(1, img.shape[0] // h), :: max(1, img.shape[1] // w)], h, w)
    s = simulate(img, MaskConfig("equispaced-fraction", 4, 0.08), np.random.default_rng(seed), coils)
    ri = lambda z: np.stack([z.real, z.imag], -1).astype(np.float32)  # noqa: E731
    zf = (np.conj(s.sens) * ifft2c(s.kspace)).sum(0)
    return {"kspace": ri(s.kspace)[None], "mask": s.mask[None, None, :, :, None], "sens": ri(s.sens)[None],
            "fh": dft_matrix(h), "fw": dft_matrix(w), "eta": ri(zf)[None, None]}, s.scale


def export(model: CIRIM, name: str, training: dict, metrics, golden_size=(24, 20), golden_coils=1, out_root=None) -> str:
    model.eval()
    step = StackedCascadeStep(model).eval()
    cfg = model.cfg
    feeds, _ = golden_case(*golden_size, golden_coils, seed=5)
    feeds["hidden"] = np.zeros((1, cfg.hidden_channels, *golden_size), dtype=np.float32)
    feeds["cascade"] = np.array([0], dtype=np.int64)
    inputs, outputs = io_specs(cfg)
    order = [i["name"] for i in inputs]
    if cfg.cascades > 1:
        # Golden = the SECOND cascade fed from the first, so a non-zero hidden
        # state and the cascade selector are both exercised.
        with torch.no_grad():
            e0, h0 = step(*(torch.from_numpy(feeds[n]) for n in order))
        feeds["eta"], feeds["hidden"] = e0.numpy(), h0.numpy()
        feeds["cascade"] = np.array([1], dtype=np.int64)
    args = tuple(torch.from_numpy(feeds[n]) for n in order)
    with torch.no_grad():
        eta_out, hidden_out = step(*args)
        # The stacked export must equal the trained module cascade it came from.
        ref, _ = model.cascades[int(feeds["cascade"][0])](*args[:7])
        assert torch.allclose(ref[-1], eta_out, atol=1e-5), "stacked cascade differs from the trained cascade"
    out_root = out_root or os.path.join(ROOT, "resources", "models")
    os.makedirs(out_root, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{name}-", dir=out_root)
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; the app must read it
    try:
        dyn = {i["name"]: {k: d for k, d in enumerate(i["shape"]) if isinstance(d, str)} for i in inputs + outputs}
        torch.onnx.export(step, args, os.path.join(tmp, "model.onnx"), input_names=order, output_names=[o["name"] for o in outputs],
                          dynamic_axes={k: v for k, v in dyn.items() if v}, opset_version=OPSET, do_constant_folding=True)
        import onnx
        onnx.checker.check_model(onnx.load(os.path.join(tmp, "model.onnx")))
        os.makedirs(os.path.join(tmp, "golden"))
        g_in, g_out = {}, {}
        for n in order:
            np.save(os.path.join(tmp, "golden", f"input_{n}.npy"), feeds[n])
            g_in[n] = f"golden/input_{n}.npy"
        for n, t in (("eta_out", eta_out), ("hidden_out", hidden_out)):
            np.save(os.path.join(tmp, "golden", f"output_{n}.npy"), t.numpy().astype(np.float32))
            g_out[n] = f"golden/output_{n}.npy"
        manifest = {
            "name": name, "version": 1, "architecture": "cirim", "file": "model.onnx", "opset": OPSET,
            "description": "CIRIM (Karkalousos et al. 2022), one cascade per call; see models/recon_models/cirim.py",
            "config": cfg.to_dict(), "cascades": cfg.cascades, "timeSteps": cfg.time_steps, "hiddenChannels": cfg.hidden_channels,
            "inputs": inputs, "outputs": outputs,
            "complexLayout": "complex tensors carry a trailing axis of 2 (re, im): row-major, identical to the engine's interleaved Float32Array",
            "usage": ["scale s = bartScale(|RSS of ifft2c(masked k-space)|) per slice (recon/cs.ts rule); kspace /= s",
                      "eta = sum_c conj(S_c) ifft2c(kspace_c); hidden = zeros [B, hiddenChannels, H, W]",
                      "for c in 0..cascades-1: (eta, hidden) = run(eta, hidden, kspace, mask, sens, fh, fw, cascade=[c])",
                      "image = s * eta (complex); magnitude = s * |eta|"],
            "normalisation": {"kind": "bart-scale", "input": "k-space divided by s = bartScale(|RSS(ifft2c(y))|): p90 of the zero-filled magnitude, or its max when max - p90 >= 2 (p90 - median)", "output": "multiply eta_out by s"},
            "training": training, "metrics": metrics,
            "provenance": {"torch": torch.__version__, "onnx": onnx.__version__, "numpy": np.__version__, "commit": git_commit(),
                           "exporter": "models/export_onnx.py"},
            "golden": {"inputs": g_in, "outputs": g_out, "rtol": 1e-4,
                       "case": f"cascade 1 fed by cascade 0 on a held-out slice ({HELD_OUT[0]}) {golden_size[0]}x{golden_size[1]}, {golden_coils} coil(s), equispaced-fraction 4x centre 0.08, seed 5"},
        }
        with open(os.path.join(tmp, "manifest.json"), "w") as f:
            json.dump(manifest, f, indent=2)
            f.write("\n")
        dest = os.path.join(out_root, name)
        if os.path.exists(dest):
            shutil.rmtree(dest)
        os.replace(tmp, dest)
        return dest
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint")
    ap.add_argument("--name")
    ap.add_argument("--smoke", action="store_true", help="train a tiny CIRIM for a few steps and export it as cirim-smoke")
    ap.add_argument("--smoke-steps", type=int, default=20)
    ap.add_argument("--golden-size", default="24x20")
    ap.add_argument("--golden-coils", type=int, default=1)
    ap.add_argument("--out-root", default=None)
    a = ap.parse_args()
    torch.set_num_threads(2)
    gs = tuple(int(v) for v in a.golden_size.lower().split("x"))
    sp = {"train": split()["train"], "val": split()["val"], "volumes": {s: [p for p, _ in v] for s, v in SUBJECTS.items()}}
    if a.smoke:
        import train_cirim
        ckdir = tempfile.mkdtemp(prefix="cirim-smoke-")
        targs = train_cirim.parser().parse_args(["--out", ckdir, "--steps", str(a.smoke_steps), "--crop", "32", "--cascades", "2",
                                                 "--time-steps", "2", "--hidden", "8", "--max-per-volume", "4", "--log-every", "10",
                                                 "--ckpt-every", "1000"])
        res = train_cirim.train(targs)
        a.checkpoint, a.name = res["checkpoint"], a.name or "cirim-smoke"
        training = {"split": sp, "note": f"SMOKE MODEL: {res['steps']} Adam steps on 32x32 crops (4 slices per volume), for engine tests only; not a usable reconstruction",
                    "args": vars(targs), "finalLoss": res["final_loss"]}
    else:
        if not a.checkpoint or not a.name:
            ap.error("--checkpoint and --name are required unless --smoke")
        training = None
    st = torch.load(a.checkpoint)
    cfg = CirimConfig(**{k: v for k, v in st["config"].items()})
    cfg.convs = [tuple(c) for c in cfg.convs]
    model = CIRIM(cfg)
    model.load_state_dict(st["model"])
    if training is None:
        training = {"split": sp, "args": st.get("args"), "steps": st.get("step")}
    dest = export(model, a.name, training, None, gs, a.golden_coils, a.out_root)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(dest) for f in fs)
    print(json.dumps({"exported": dest, "bytes": total}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
