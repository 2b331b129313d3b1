"""Export a diffusion denoiser checkpoint (and optionally its classifier) for the engine.

  /usr/bin/python3 models/export_diffusion.py --checkpoint models/runs/diffusion/last.pt --name diffusion \
      [--classifier-checkpoint models/runs/diffusion-classifier/last.pt] [--out-root DIR]

Writes resources/models/<name>/ (architecture "diffusion") and, with a
classifier, resources/models/<name>-classifier/ ("diffusion-classifier"), each
model.onnx (opset 13) + manifest.json + golden/*.npy, atomically (temp folder
renamed into place). The contract is in recon_models/diffusion.py. Existing
"schedules" of a previous export of the same name are kept (the schedule
search writes them; they stay valid as long as T and the noise schedule do).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from export_onnx import NORMALISATION, ROOT, git_commit, training_split, write_golden  # noqa: E402
from recon_models.diffusion import BETA_END, BETA_START, CLASSES, PAD_MULTIPLE, T_STEPS, alphas_cumprod  # noqa: E402

OPSET = 13
DATA = ("slices of every training volume across all three axes (classes = orientation from the volume affine; anisotropic volumes "
        "resampled to square pixels; tissue >= 15%, sides >= 48), random crops after flips, transpose, rotation, intensity scale, "
        "zoom-to-fit and a smooth synthetic phase up to pi, each divided by bart_scale of its magnitude (models/train_diffusion.py)")
LAYOUT = "complex tensors carry a trailing axis of 2 (re, im): row-major, identical to the engine's interleaved Float32Array"


def _cx(name: str, desc: str) -> dict:
    return {"name": name, "shape": ["B", 1, "H", "W", 2], "dtype": "float32", "complex": "real-imag-last", "description": desc}


def check_graph(path: str, feeds: dict, outputs: list) -> None:
    """Python-side check of the exported file without onnxruntime (parity itself
    runs in Node, models/ci_parity.ts): valid model, opset 13, input and output
    names, element types and ranks as the contract, batch/H/W left symbolic."""
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)
    opset = max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))
    if opset != OPSET:
        raise RuntimeError(f"{path}: opset {opset}, expected {OPSET}")
    types = {np.dtype(np.float32): onnx.TensorProto.FLOAT, np.dtype(np.int64): onnx.TensorProto.INT64}
    ins = {i.name: i for i in m.graph.input}
    for n, arr in feeds.items():
        if n not in ins:
            raise RuntimeError(f"{path}: input {n} missing (graph has {sorted(ins)})")
        tt = ins[n].type.tensor_type
        dims = tt.shape.dim
        if tt.elem_type != types[arr.dtype] or len(dims) != arr.ndim or dims[0].dim_param == "":
            raise RuntimeError(f"{path}: input {n} is not {arr.dtype} rank {arr.ndim} with a symbolic batch")
    names = [o.name for o in m.graph.output]
    if names != [o["name"] for o in outputs]:
        raise RuntimeError(f"{path}: outputs {names}, expected {[o['name'] for o in outputs]}")


def _write(out_root: str, name: str, model, order: list, feeds: dict, outputs: list, dyn: dict, manifest: dict) -> str:
    os.makedirs(out_root, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{name}-", dir=out_root)
    os.chmod(tmp, 0o755)
    try:
        args = tuple(torch.from_numpy(feeds[n]) for n in order)
        with torch.no_grad():
            outs = model(*args)
        outs = outs if isinstance(outs, tuple) else (outs,)
        torch.onnx.export(model, args, os.path.join(tmp, "model.onnx"), input_names=order, output_names=[o["name"] for o in outputs],
                          dynamic_axes=dyn, opset_version=OPSET, do_constant_folding=True)
        import onnx
        check_graph(os.path.join(tmp, "model.onnx"), feeds, outputs)
        g_in, g_out = write_golden(tmp, order, feeds, outputs, outs)
        dest = os.path.join(out_root, name)
        old = os.path.join(dest, "manifest.json")
        if os.path.exists(old) and manifest.get("architecture") == "diffusion":
            with open(old) as f:
                prev = json.load(f)
            if prev.get("schedules") and prev.get("diffusion", {}).get("T") == manifest["diffusion"]["T"]:
                manifest["schedules"] = prev["schedules"]
        manifest.update({"provenance": {"torch": torch.__version__, "onnx": onnx.__version__, "commit": git_commit(),
                                        "exporter": "models/export_diffusion.py"},
                         "golden": {"inputs": g_in, "outputs": g_out, "rtol": 1e-4, "case": "seeded random inputs, 2 x 32 x 32"}})
        with open(os.path.join(tmp, "manifest.json"), "w") as f:
            json.dump(manifest, f, indent=2)
            f.write("\n")
        if os.path.exists(dest):
            shutil.rmtree(dest)
        os.replace(tmp, dest)
        return dest
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def export(checkpoint: str, name: str, classifier_checkpoint: str | None = None, out_root: str | None = None,
           note: str | None = None, metrics=None) -> str:
    import train_diffusion as td
    out_root = out_root or os.path.join(ROOT, "resources", "models")
    kind, model, cfg, st = td.load_checkpoint(checkpoint)
    if kind != "denoiser":
        raise SystemExit(f"{checkpoint}: a {kind} checkpoint, expected the denoiser")
    model.eval()
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 1, 32, 32, 2)).astype(np.float32)
    feeds = {"x": x, "t": np.array([999.0, 17.0], dtype=np.float32), "y": np.array([0, len(CLASSES)], dtype=np.int64)}
    training = {"split": training_split(), "steps": st.get("step"), "slicesPerClass": st.get("slices"), "finalLoss": st.get("final_loss"),
                "args": st.get("args"), "data": DATA}
    if note:
        training["note"] = note
    cls_name = None
    if classifier_checkpoint:
        ck, cmodel, ccfg, cst = td.load_checkpoint(classifier_checkpoint)
        if ck != "classifier":
            raise SystemExit(f"{classifier_checkpoint}: a {ck} checkpoint, expected the classifier")
        cmodel.eval()
        cls_name = f"{name}-classifier"
        cman = {"name": cls_name, "version": 1, "architecture": "diffusion-classifier", "file": "model.onnx", "opset": OPSET,
                "description": "orientation classifier on the magnitude of a clean complex estimate x̂0 (gradient-free guidance reads it "
                               "in inference only); the graph resizes any H x W input to "
                               f"{ccfg.to_dict().get('size') or 'no fixed'} x {ccfg.to_dict().get('size') or ''} first, so the whole field of view counts",
                "config": ccfg.to_dict(), "classes": CLASSES, "padMultiple": PAD_MULTIPLE,
                "inputs": [_cx("x", "clean estimate x̂0, scaled as the denoiser's input")],
                "outputs": [{"name": "logits", "shape": ["B", len(CLASSES)], "dtype": "float32"}],
                "complexLayout": LAYOUT, "normalisation": NORMALISATION,
                "training": {"split": training_split(), "steps": cst.get("step"), "slicesPerClass": cst.get("slices"),
                             "finalLoss": cst.get("final_loss"), "args": cst.get("args"), "data": DATA, **({"note": note} if note else {})},
                "metrics": {"heldout": cst.get("heldout")}}
        _write(out_root, cls_name, cmodel, ["x"], {"x": x}, cman["outputs"], {"x": {0: "B", 2: "H", 3: "W"}, "logits": {0: "B"}}, cman)
    man = {"name": name, "version": 1, "architecture": "diffusion", "file": "model.onnx", "opset": OPSET,
           "description": "ε-prediction U-Net prior on complex images with timestep and class (orientation) embeddings; see models/recon_models/diffusion.py",
           "config": cfg.to_dict(), "padMultiple": PAD_MULTIPLE,
           "diffusion": {"T": T_STEPS, "betaSchedule": "linear", "betaStart": BETA_START, "betaEnd": BETA_END,
                         "alphasCumprod": [float(a) for a in alphas_cumprod()], "prediction": "eps"},
           "classes": CLASSES, "nullClass": len(CLASSES), **({"classifier": cls_name} if cls_name else {}),
           "inputs": [_cx("x", "noisy image x_t = sqrt(ᾱ_t) x0 + sqrt(1-ᾱ_t) ε, x0 = complex image / s"),
                      {"name": "t", "shape": ["B"], "dtype": "float32", "description": "timestep index 0..T-1 as float"},
                      {"name": "y", "shape": ["B"], "dtype": "int64", "description": "class index; nullClass = unconditional"}],
           "outputs": [_cx("eps", "predicted noise ε")],
           "complexLayout": LAYOUT, "normalisation": NORMALISATION, "training": training, "metrics": metrics}
    dyn = {"x": {0: "B", 2: "H", 3: "W"}, "t": {0: "B"}, "y": {0: "B"}, "eps": {0: "B", 2: "H", 3: "W"}}
    return _write(out_root, name, model, ["x", "t", "y"], feeds, man["outputs"], dyn, man)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--classifier-checkpoint")
    ap.add_argument("--out-root")
    ap.add_argument("--metrics", help="JSON file to embed as manifest metrics")
    a = ap.parse_args()
    metrics = json.load(open(a.metrics)) if a.metrics else None
    print(export(a.checkpoint, a.name, a.classifier_checkpoint, a.out_root, metrics=metrics))
    return 0


if __name__ == "__main__":
    sys.exit(main())
