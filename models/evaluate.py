"""Held-out quality table (issue 5, deliverable 5): SSIM / PSNR / NMSE of
zero-filled, CS, U-Net, RIM and CIRIM on the HELD_OUT subject of data.py,
simulated single-coil and 8-coil at equispaced-fraction 4x (centre 0.08),
8x (0.04) and 2D Poisson-like 8x.

  nice -n 19 /usr/bin/python3 models/evaluate.py \
      --model cirim=models/runs/cirim/last.pt --model rim=resources/models/rim \
      --model unet=resources/models/unet --out models/eval/heldout

A model is a torch checkpoint (.pt, run here in PyTorch) or an exported ONNX
folder (run through the engine's own recon method via models/eval_engine.ts
and onnxruntime-node, exactly as shipped). Any label=path pair works, so two
checkpoints of one architecture can be compared.

Metrics are fastMRI's volume definitions, as electron/engine/metrics: over the
stack of held-out slices, NMSE = ||gt - x||^2 / ||gt||^2, PSNR with the stack
maximum as peak, SSIM = mean over slices of the 7x7 uniform-window SSIM
(K1 0.01, K2 0.03, sample covariance, 3-pixel border cropped) with the stack
maximum as data range. gt = the held-out magnitude; every method's output is
a magnitude.

Acquisition: for each (coils, mask) setting ONE mask (seeded) is shared by all
slices, as in the engine; per slice a seeded smooth phase (<= pi/2), the
engine's birdcage coils, no noise. CS comes from the engine CLI (`recon
--method cs`) on the very same k-space, coil maps and reference, handed over
as BART .cfl files (--cs-input kspace, the default); the CLI's zero-filled
row must then equal the Python one, which checks the hand-over and the metric
definitions together. --cs-input nifti instead writes the slices as a NIfTI
and lets the CLI simulate its own acquisition (same definitions, its own
random draws).

Writes <out>.md (the table) and <out>.json.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from recon_models.cirim import zero_filled  # noqa: E402
from recon_models.complex_ops import dft_matrix  # noqa: E402
from recon_models.data import HELD_OUT, bart_scale, birdcage_sens, center_crop_pad, fft2c, ifft2c, slices_for, smooth_phase  # noqa: E402
from recon_models.masks import line_mask, mask_2d, poisson_like  # noqa: E402

SETTINGS = [  # label, kind, accel, centre fraction, calib (poisson)
    ("equispaced 4x", "equispaced-fraction", 4.0, 0.08, 0),
    ("equispaced 8x", "equispaced-fraction", 8.0, 0.04, 0),
    ("poisson 8x", "poisson", 8.0, 0.0, 16),
]


# ---------------------------------------------------------------- metrics (fastMRI)
def nmse(gt: np.ndarray, x: np.ndarray) -> float:
    return float(np.sum((gt.astype(np.float64) - x) ** 2) / np.sum(gt.astype(np.float64) ** 2))


def psnr(gt: np.ndarray, x: np.ndarray) -> float:
    mse = float(np.mean((gt.astype(np.float64) - x) ** 2))
    return float("inf") if mse == 0 else 20 * np.log10(float(gt.max())) - 10 * np.log10(mse)


def ssim2d(a: np.ndarray, b: np.ndarray, data_range: float, win: int = 7) -> float:
    from numpy.lib.stride_tricks import sliding_window_view as sw
    a, b = a.astype(np.float64), b.astype(np.float64)
    np_ = win * win
    mean = lambda z: sw(z, (win, win)).mean(axis=(-2, -1))  # noqa: E731 (only windows fully inside = skimage's crop)
    ux, uy = mean(a), mean(b)
    cov = np_ / (np_ - 1)
    vx, vy, vxy = cov * (mean(a * a) - ux * ux), cov * (mean(b * b) - uy * uy), cov * (mean(a * b) - ux * uy)
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux ** 2 + uy ** 2 + c1) * (vx + vy + c2))
    return float(s.mean())


def volume_metrics(gt: np.ndarray, x: np.ndarray) -> dict:
    dr = float(gt.max())
    return {"ssim": float(np.mean([ssim2d(g, p, dr) for g, p in zip(gt, x)])), "psnr": psnr(gt, x), "nmse": nmse(gt, x)}


# ---------------------------------------------------------------- data
def held_out_stack(size: int, per_volume: int, subjects: tuple = HELD_OUT, zoom: float = 1.0, planes: str = "axial") -> np.ndarray:
    """The subjects' slices, each resampled by `zoom` (0.5 turns 1 mm pixels into 2 mm) and
    centre-cropped/padded to size x size. planes: slices_for's ("axial" = each volume's listed
    axis, the main table; "all" = all three axes, per_volume slices per axis)."""
    slices = slices_for(list(subjects), per_volume, planes)
    if zoom != 1.0:
        from scipy.ndimage import zoom as resample
        slices = [resample(s, zoom, order=1) for s in slices]
    return np.stack([center_crop_pad(s, size, size) for s in slices]).astype(np.float32)


def slice_scale(k: np.ndarray) -> float:
    """The engine's normalisation scale of one slice's masked k-space [C, H, W]: bartScale of the RSS zero-filled image."""
    return bart_scale(np.sqrt((np.abs(ifft2c(k)) ** 2).sum(0)))


def acquire(stack: np.ndarray, coils: int, setting, seed: int) -> dict:
    """Raw (unscaled) masked k-space [S, C, H, W], one shared mask, coil maps, per-slice scale."""
    _, kind, accel, cf, calib = setting
    n, ny, nx = stack.shape
    rng = np.random.default_rng(seed)
    if kind == "poisson":
        mask = poisson_like(ny, nx, accel, calib, rng)
    else:
        mask = mask_2d(line_mask(kind, ny, accel, cf, rng)[0], nx)
    sens = birdcage_sens(coils, ny, nx)
    ks, scales = [], []
    for i in range(n):
        x = stack[i] * np.exp(1j * smooth_phase(ny, nx, np.pi / 2, rng))
        k = fft2c(sens * x[None]) * mask[None]
        ks.append(k.astype(np.complex64))
        scales.append(slice_scale(k))
    return {"kspace": np.stack(ks), "mask": mask.astype(np.float32), "sens": sens, "scales": np.array(scales), "accel": float(mask.size / mask.sum())}


def tissue_mean(stack: np.ndarray) -> float:
    """Mean intensity of the pixels above 10% of the stack's maximum (the SNR reference)."""
    return float(stack[stack > 0.1 * stack.max()].mean())


def add_noise(acq: dict, snr: float, ref: float, seed: int) -> dict:
    """acq with complex white Gaussian noise of SD ref / snr (per complex sample) on the measured
    samples, and the per-slice scale recomputed from the noisy data as the engine does."""
    rng = np.random.default_rng(seed)
    k = acq["kspace"]
    noisy = k + acq["mask"] * (ref / snr) * (rng.normal(size=k.shape) + 1j * rng.normal(size=k.shape)) / np.sqrt(2)
    out = dict(acq, kspace=noisy.astype(np.complex64))
    out["scales"] = np.array([slice_scale(kk) for kk in out["kspace"]])
    return out


def ri(z: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.stack([z.real, z.imag], -1).astype(np.float32))


def zero_filled_mag(acq: dict) -> np.ndarray:
    return np.abs((np.conj(acq["sens"])[None] * ifft2c(acq["kspace"])).sum(1)).astype(np.float32)


# ---------------------------------------------------------------- models
def run_checkpoint(path: str, acq: dict) -> np.ndarray:
    import train
    kind, model, cfg, _ = train.load_checkpoint(path)
    model.eval()
    n, _, ny, nx = acq["kspace"].shape
    fh, fw = torch.from_numpy(dft_matrix(ny)), torch.from_numpy(dft_matrix(nx))
    mask = torch.from_numpy(acq["mask"])[None, None, :, :, None]
    out = []
    with torch.no_grad():
        for i in range(n):
            s = acq["scales"][i]
            k = torch.from_numpy(ri(acq["kspace"][i] / s))[None]
            sens = torch.from_numpy(ri(acq["sens"]))[None]
            if kind == "unet":
                y = model(zero_filled(k, sens, fh, fw))
                mag = y.pow(2).sum(-1).sqrt() if cfg.out == "complex" else y
            else:
                mag = model(k, mask, sens, fh, fw)[-1].pow(2).sum(-1).sqrt()
            out.append(s * mag[0, 0].numpy())
    return np.stack(out).astype(np.float32)


def run_onnx_folders(jobs: list) -> None:
    """jobs: dicts for models/eval_engine.ts; one Node process for all of them."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(jobs, f)
    try:
        r = subprocess.run(["npx", "tsx", os.path.join(HERE, "eval_engine.ts"), f.name], cwd=ROOT, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"eval_engine.ts failed: {r.stderr.strip()[-2000:]}")
    finally:
        os.unlink(f.name)


def onnx_arch(folder: str) -> str:
    with open(os.path.join(folder, "manifest.json")) as f:
        arch = json.load(f).get("architecture")
    if arch not in ("cirim", "rim", "unet", "diffusion"):
        raise SystemExit(f"{folder}/manifest.json: architecture {arch!r} is not cirim, rim, unet or diffusion")
    return arch


def parse_options(text: str) -> dict:
    """"steps=10,guidance=cfg" -> {"steps": 10, "guidance": "cfg"} (numbers as numbers)."""
    out = {}
    for kv in filter(None, text.split(",")):
        k, _, v = kv.partition("=")
        try:
            out[k] = int(v)
        except ValueError:
            try:
                out[k] = float(v)
            except ValueError:
                out[k] = v
    return out


def write_cfl(base: str, arr: np.ndarray) -> str:
    """[S, C, H, W] (or [S, H, W]) complex -> BART .cfl/.hdr with dims [W, H, 1, C, 1 ... S (dim 13)]:
    exactly the bytes of the engine's row-major [slice][coil][y][x] (electron/engine/io/cfl.ts)."""
    a = np.asarray(arr, dtype=np.complex64)
    if a.ndim == 3:
        a = a[:, None]
    s_, c, h, w = a.shape
    dims = [w, h, 1, c] + [1] * 9 + [s_, 1, 1]
    with open(base + ".hdr", "w") as f:
        f.write("# Dimensions\n" + " ".join(str(d) for d in dims) + "\n")
    np.ascontiguousarray(a).tofile(base + ".cfl")
    return base + ".cfl"


def run_cli(method: str, coils: int, setting, extra: list, work: str, case: str | None, nifti: str) -> dict:
    """recon-studio recon on the SAME k-space (case given: .cfl k-space, maps and reference) or,
    without a case, on the NIfTI of the slices with the CLI's own simulated acquisition."""
    _, kind, accel, cf, calib = setting
    out = tempfile.mkdtemp(prefix=f"{method}-", dir=work)
    if case:
        cmd = ["node", "bin/recon-studio.mjs", "recon", os.path.join(case, "ks.cfl"), "--kind", "kspace", "--method", method,
               "--reference", os.path.join(case, "ref.cfl")]
        if coils > 1:
            cmd += ["--sens", os.path.join(case, "sens.cfl")]
    else:
        cmd = ["node", "bin/recon-studio.mjs", "recon", nifti, "--method", method, "--mask", kind, "--accel", str(accel),
               "--coils", str(coils), "--seed", "1"]
        cmd += ["--calib", str(calib)] if kind == "poisson" else ["--center-fraction", str(cf)]
    cmd += ["--out", out, "--overwrite", "--json", "--quiet"]
    t0 = time.time()
    r = subprocess.run(cmd + extra, cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd + extra)} failed ({r.returncode}): {r.stderr.strip()[-1500:]}")
    summary = json.loads(r.stdout)
    m = summary["metrics"]
    return {"ssim": m["ssim"], "psnr": m["psnr"], "nmse": m["nmse"], "cliAccel": summary.get("acceleration"), "seconds": round(time.time() - t0, 1)}


# ---------------------------------------------------------------- main
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", default=[], metavar="LABEL=PATH", help="checkpoint (.pt) or ONNX model folder; repeat")
    ap.add_argument("--coils", default="1,8")
    ap.add_argument("--size", type=int, default=128, help="held-out slices centre-cropped/padded to SIZE x SIZE")
    ap.add_argument("--per-volume", type=int, default=8, help="held-out slices per volume (evenly spaced); 0 = all")
    ap.add_argument("--settings", default="all", help="comma-separated indices into SETTINGS (0 eq4x, 1 eq8x, 2 poisson8x)")
    ap.add_argument("--no-cs", action="store_true", help="skip the engine CLI (CS and its zero-filled)")
    ap.add_argument("--cs-lambda", type=float, default=0.01)
    ap.add_argument("--cs-iters", type=int, default=50)
    ap.add_argument("--cs-input", choices=("kspace", "nifti"), default="kspace",
                    help="kspace: the CLI reconstructs the very k-space the models see (BART .cfl + maps + reference); "
                         "nifti: the slices as NIfTI, the CLI simulates its own acquisition")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--snr", type=float, default=None,
                    help="add complex Gaussian noise to the measured samples, SD = mean tissue intensity / SNR (as "
                         "noise_robustness.py; default noiseless); every method, CS included, gets the same noisy k-space")
    ap.add_argument("--subject", default=None,
                    help="evaluate a TRAINING subject instead (e.g. colin27) to tune sampler or method options without "
                         "touching the held-out one; the report says so")
    ap.add_argument("--zoom", type=float, default=1.0,
                    help="resample every slice by this factor before the crop (0.5: twice the pixel size), to measure "
                         "how a model copes with another resolution; the report says so")
    ap.add_argument("--planes", choices=("axial", "all"), default="axial",
                    help="axial (default, the main table): the volume's listed slice axis (the held-out volume's is "
                         "coronal); all: slices along all three axes (anisotropic volumes resampled to square pixels), "
                         "--per-volume per axis; the report says so")
    ap.add_argument("--out", default=os.path.join(HERE, "eval", "heldout"), help="writes OUT.md and OUT.json")
    a = ap.parse_args()
    torch.set_num_threads(1)
    t_start = time.time()
    subjects = HELD_OUT
    if a.subject:
        from recon_models.data import SUBJECTS
        if a.subject not in SUBJECTS:
            ap.error(f"--subject {a.subject}: not one of {', '.join(SUBJECTS)}")
        subjects = (a.subject,)
    if not 0.1 <= a.zoom <= 4:
        ap.error(f"--zoom {a.zoom}: expected a factor in 0.1..4")
    stack = held_out_stack(a.size, a.per_volume or None, subjects, a.zoom, a.planes)
    work = tempfile.mkdtemp(prefix="recon-eval-")
    nifti = os.path.join(work, "heldout.nii.gz")
    import nibabel as nib
    # Engine NIfTI convention: voxel (i, j, k) = (x column, y row, slice), so [S, Y, X] -> [X, Y, S].
    nib.save(nib.Nifti1Image(np.ascontiguousarray(stack.transpose(2, 1, 0)), np.eye(4)), nifti)
    models = []
    for spec in a.model:
        label, _, path = spec.partition("=")
        path, _, opts = path.partition("#")  # ONNX folders may carry method options: PATH#steps=10,guidance=cfg
        if not path or not os.path.exists(path):
            ap.error(f"--model {spec}: expected LABEL=PATH[#k=v,...] to an existing checkpoint or ONNX folder")
        models.append((label, os.path.abspath(path), "onnx" if os.path.isdir(path) else "checkpoint", parse_options(opts)))
    picks = range(len(SETTINGS)) if a.settings == "all" else [int(i) for i in a.settings.split(",")]
    tissue = tissue_mean(stack)  # the SNR reference
    rows = []
    for coils in [int(c) for c in a.coils.split(",")]:
        for si in picks:
            setting = SETTINGS[si]
            acq = acquire(stack, coils, setting, seed=a.seed * 1000 + 10 * si + coils)
            if a.snr:
                acq = add_noise(acq, a.snr, tissue, seed=7 + si + coils)
            case = os.path.join(work, f"c{coils}-s{si}")
            os.makedirs(case)
            np.save(os.path.join(case, "kspace.npy"), ri(acq["kspace"]))
            np.save(os.path.join(case, "mask.npy"), acq["mask"])
            np.save(os.path.join(case, "sens.npy"), ri(np.broadcast_to(acq["sens"], acq["kspace"].shape)))
            # The k-space noise SD per real/imaginary component (add_noise's SD is per complex sample), 0 when
            # noiseless: what the acquisition simulator hands the engine's noise-aware options (CIRIM --refine).
            with open(os.path.join(case, "noise.json"), "w") as f:
                json.dump({"noiseStd": tissue / a.snr / np.sqrt(2) if a.snr else 0.0}, f)
            base = {"coils": coils, "setting": setting[0], "accel": round(acq["accel"], 2), "slices": int(stack.shape[0])}
            rows.append({**base, "method": "zero-filled", **volume_metrics(stack, zero_filled_mag(acq))})
            jobs = []
            for label, path, how, opts in models:
                t0 = time.time()
                if how == "checkpoint":
                    rec = run_checkpoint(path, acq)
                    rows.append({**base, "method": label, "source": path, "seconds": round(time.time() - t0, 1), **volume_metrics(stack, rec)})
                else:
                    jobs.append({"method": onnx_arch(path), "model": os.path.basename(path), "modelsDir": os.path.dirname(path), "dir": case,
                                 "out": os.path.join(case, f"{label}.npy"), "label": label, "source": path, "options": opts})
            if jobs:
                t0 = time.time()
                run_onnx_folders(jobs)
                for j in jobs:
                    rec = np.load(j["out"])
                    rows.append({**base, "method": j["label"], "source": j["source"], "seconds": round((time.time() - t0) / len(jobs), 1),
                                 **volume_metrics(stack, rec)})
            if not a.no_cs:
                cli_case = None
                if a.cs_input == "kspace":
                    cli_case = case
                    write_cfl(os.path.join(case, "ks"), acq["kspace"])
                    write_cfl(os.path.join(case, "sens"), np.broadcast_to(acq["sens"], acq["kspace"].shape))
                    write_cfl(os.path.join(case, "ref"), stack)
                rows.append({**base, "method": "zero-filled (engine CLI)", **run_cli("zero-filled", coils, setting, [], work, cli_case, nifti)})
                rows.append({**base, "method": f"cs (engine CLI, wavelet λ={a.cs_lambda})",
                             **run_cli("cs", coils, setting, ["--lambda", str(a.cs_lambda), "--iters", str(a.cs_iters)], work, cli_case, nifti)})
            print(json.dumps({"done": f"{coils} coil(s), {setting[0]}", "s": round(time.time() - t_start, 1)}), flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    meta = {"heldOut": list(subjects) if not a.subject else [], "tuningSubject": a.subject, "slices": int(stack.shape[0]), "size": a.size, "perVolume": a.per_volume,
            "models": [{"label": m[0], "path": m[1], "kind": m[2], "options": m[3]} for m in models], "csLambda": a.cs_lambda, "csIters": a.cs_iters, "csInput": a.cs_input, "snr": a.snr,
            "zoom": a.zoom, "planes": a.planes, "seconds": round(time.time() - t_start, 1)}
    with open(a.out + ".json", "w") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=1)
    who = f"TRAINING subject {a.subject} (tuning only, not a held-out figure)" if a.subject else f"Held-out subject {', '.join(HELD_OUT)}"
    noise = f"; k-space noise SNR {a.snr:g} (SD = mean tissue intensity / SNR)" if a.snr else "; noiseless"
    zoom = f", resampled by {a.zoom:g}" if a.zoom != 1.0 else ""
    zoom += ", along all three axes" if a.planes == "all" else ""
    lines = [f"{who}: {stack.shape[0]} slices{zoom} at {a.size}x{a.size}{noise}; fastMRI volume metrics.", "",
             "| coils | sampling | accel | method | SSIM | PSNR (dB) | NMSE |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['coils']} | {r['setting']} | {r['accel']:.2f} | {r['method']} | {r['ssim']:.4f} | {r['psnr']:.2f} | {r['nmse']:.4g} |")
    with open(a.out + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
