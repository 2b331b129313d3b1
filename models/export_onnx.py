"""Export a CIRIM, RIM or U-Net checkpoint to resources/models/<name>/ for the engine.

  /usr/bin/python3 models/export_onnx.py --checkpoint models/runs/cirim/last.pt --name cirim
  /usr/bin/python3 models/export_onnx.py --checkpoint models/runs/unet/last.pt --name unet --out-root /tmp/models
  /usr/bin/python3 models/export_onnx.py --smoke [--model cirim|rim|unet]   # = train.py --model M --smoke

The architecture comes from the checkpoint (`kind`; train_cirim.py checkpoints
without it are CIRIM). Writes, atomically (a temp folder renamed into place):
  model.onnx     opset 13. CIRIM: ONE cascade per call, all cascades' weights
                 stacked and picked by the int64 input `cascade`; with
                 --unit time-step ONE time step per call, the log-likelihood
                 gradient an input the engine computes with its FFT; each
                 cascade is a constant-weight subgraph picked by ONNX If nodes
                 (write_if_chain_time_step), so ORT can pre-pack its convs, and
                 each IndRNN layer's state is its own input/output (hidden0,
                 hidden1, ...). RIM: one call
                 (same contract as a CIRIM cascade, cascades = 1, no selector).
                 U-Net: one call, image -> image.
  manifest.json  the contract (electron/engine/learned/manifest.ts): inputs,
                 outputs, layout, normalisation, training data and split,
                 metrics, provenance, `architecture`.
  golden/*.npy   an input/output pair computed in PyTorch, replayed by the
                 engine through onnxruntime-node within 1e-4 relative.
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
from recon_models.cirim import CascadeTimeStep, StackedCascadeStep, StackedTimeStep, prox_dc, sense_expand_grad  # noqa: E402
from recon_models.complex_ops import dft_matrix  # noqa: E402
from recon_models.data import HELD_OUT, SUBJECTS, MaskConfig, center_crop_pad, ifft2c, simulate, slices_for, split  # noqa: E402
from recon_models.rim import RimStep  # noqa: E402

OPSET = 13
CPLX = "real-imag-last"

NORMALISATION = {"kind": "bart-scale",
                 "input": "k-space divided by s = bartScale(|RSS(ifft2c(y))|): p90 of the zero-filled magnitude, or its max when max - p90 >= 2 (p90 - median)",
                 "output": "multiply the output estimate by s"}


def _data_inputs() -> list:
    return [
        {"name": "kspace", "shape": ["B", "C", "H", "W", 2], "dtype": "float32", "complex": CPLX,
         "description": "masked k-space divided by the normalisation scale; engine [slice][coil][ky][kx] interleaved"},
        {"name": "mask", "shape": [1, 1, "H", "W", 1], "dtype": "float32", "description": "0/1 sampling mask [ky][kx]"},
        {"name": "sens", "shape": ["B", "C", "H", "W", 2], "dtype": "float32", "complex": CPLX,
         "description": "coil maps, sum_c |S_c|^2 = 1; single coil: one map of ones (1 + 0i)"},
        {"name": "fh", "shape": ["H", "H", 2], "dtype": "float32", "complex": CPLX,
         "description": "centred orthonormal DFT matrix over ky: F[k][j] = fftc(e_j)[k] (engine learned/dft-matrix.ts centeredDftMatrix(H))"},
        {"name": "fw", "shape": ["W", "W", 2], "dtype": "float32", "complex": CPLX,
         "description": "the same for kx (centeredDftMatrix(W)); the model forms inverses as conjugate transposes"},
    ]


def io_specs(kind: str, cfg, unit: str = "cascade") -> tuple[list, list]:
    if kind == "unet":
        return ([{"name": "image", "shape": ["B", 1, "H", "W", 2], "dtype": "float32", "complex": CPLX,
                  "description": f"sum_c conj(S_c) ifft2c(y_c / s) (SENSE-combined zero-filled image, scaled); H, W multiples of {cfg.pad_multiple} (zero-pad, centred)"}],
                [{"name": "image_out", "shape": ["B", 1, "H", "W", 2], "dtype": "float32", "complex": CPLX,
                  "description": "reconstruction, scaled; multiply by s and crop the padding"}])
    nh = cfg.hidden_channels
    cell = "IndRNN" if kind == "cirim" else "ConvGRU"
    inputs = [
        {"name": "eta", "shape": ["B", 1, "H", "W", 2], "dtype": "float32", "complex": CPLX,
         "description": "current estimate, scaled; first call: sum_c conj(S_c) ifft2c(y_c) (SENSE-combined zero-filled image), "
                        "or the CG-SENSE estimate when the manifest's init is cg-sense (see usage)"},
        {"name": "hidden", "shape": ["B", nh, "H", "W"], "dtype": "float32",
         "description": f"{cell} states of all layers concatenated on channels ({nh}); zeros for the first call, then the previous call's hidden_out"},
        *_data_inputs(),
    ]
    if kind == "cirim":
        inputs.append({"name": "cascade", "shape": [1], "dtype": "int64", "description": f"which cascade's weights to run, 0..{cfg.cascades - 1}"})
    outputs = [
        {"name": "eta_out", "shape": ["B", 1, "H", "W", 2], "dtype": "float32", "complex": CPLX,
         "description": "estimate after this call's time steps; feed back as eta; after the last cascade multiply by scale"},
        {"name": "hidden_out", "shape": ["B", nh, "H", "W"], "dtype": "float32", "description": "feed back as hidden"},
    ]
    if unit == "time-step":  # one step per call: the data term comes in as the gradient, not as k-space + DFT matrices
        by = {i["name"]: i for i in inputs}
        grad = {"name": "grad", "shape": ["B", 1, "H", "W", 2], "dtype": "float32", "complex": CPLX,
                "description": "log-likelihood gradient at eta: sum_c conj(S_c) ifft2c(M fft2c(S_c eta) - y_c), y = masked k-space / s (centred orthonormal FFTs)"}
        # One state tensor per IndRNN layer (no Split / Concat of a joint state in every call).
        states = [{"name": n, "shape": ["B", c, "H", "W"], "dtype": "float32",
                   "description": f"{cell} state of layer {i} ({c} channels); zeros for the first call, then the previous call's {n}_out"}
                  for i, (n, c) in enumerate(time_step_states(cfg))]
        inputs = [by["eta"], grad, *states, by["cascade"]]
        outputs = [outputs[0], *({"name": f"{n}_out", "shape": ["B", c, "H", "W"], "dtype": "float32", "description": f"feed back as {n}"}
                                 for n, c in time_step_states(cfg))]
    return inputs, outputs


def time_step_states(cfg) -> list:
    """(input name, channels) of the time-step graph's per-layer states: hidden0, hidden1, ..."""
    return [(f"hidden{i}", c) for i, (c, _, _) in enumerate(cfg.convs)]


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


def _time_step_graph_and_golden(model, cfg, feeds: dict, case: str):
    """CIRIM as one time step per call with the gradient as an input. Checks that
    timeSteps calls (gradients from the same DFTs) reproduce a trained cascade,
    then takes as golden a step of cascade 1 with a non-zero hidden state."""
    graph = StackedTimeStep(model).eval()
    t = lambda n: torch.from_numpy(feeds[n])  # noqa: E731
    data = (t("kspace"), t("mask"), t("sens"), t("fh"), t("fw"))
    eta, hidden = t("eta"), torch.zeros(1, cfg.hidden_channels, *feeds["eta"].shape[2:4])
    names = [n for n, _ in time_step_states(cfg)]
    split = lambda h: torch.split(h, [c for _, c in time_step_states(cfg)], dim=1)  # noqa: E731
    which = min(1, cfg.cascades - 1)
    with torch.no_grad():
        for c in range(which + 1):
            ref, ref_h = model.cascades[c](eta, hidden, *data)
            for step in range(cfg.time_steps):
                g = sense_expand_grad(eta, *data)
                if c == which and step == min(2, cfg.time_steps - 1):
                    golden = {"eta": eta.numpy(), "grad": g.numpy(), **{n: h.numpy().copy() for n, h in zip(names, split(hidden))},
                              "cascade": np.array([c], dtype=np.int64)}
                    e_out, h_out = graph(eta, g, hidden, torch.tensor([c]))
                    outs = (e_out, *split(h_out))
                eta, hidden = graph(eta, g, hidden, torch.tensor([c]))
            if getattr(cfg, "cascade_dc", 0) > 0:  # the engine's step between cascades (manifest cascadeDc)
                eta = prox_dc(eta, *data, model.cascades[c].dc_log_mu.exp(), cfg.cascade_dc)
            assert torch.allclose(ref[-1], eta, atol=1e-5) and torch.allclose(ref_h, hidden, atol=1e-5), \
                f"time-step graph differs from trained cascade {c}"
    step = min(2, cfg.time_steps - 1)
    return graph, ["eta", "grad", *names, "cascade"], golden, outs, f"time step {step} of cascade {which} (after the earlier steps) on a {case}"


def _graph_and_golden(kind: str, model, cfg, golden_size, golden_coils, unit: str = "cascade"):
    """(module to export, feeds in input order, outputs, case description)."""
    inputs, outputs = io_specs(kind, cfg, unit)
    order = [i["name"] for i in inputs]
    feeds, _ = golden_case(*golden_size, golden_coils, seed=5)
    case = f"held-out slice ({HELD_OUT[0]}) {golden_size[0]}x{golden_size[1]}, {golden_coils} coil(s), equispaced-fraction 4x centre 0.08, seed 5"
    if unit == "time-step":
        if kind != "cirim":
            raise SystemExit(f"--unit time-step is for CIRIM checkpoints (this one is {kind})")
        return _time_step_graph_and_golden(model, cfg, feeds, case)
    if kind == "unet":
        feeds = {"image": feeds["eta"]}
        graph = model
        with torch.no_grad():
            outs = (graph(torch.from_numpy(feeds["image"])),)
        return graph, order, feeds, outs, f"zero-filled image of a {case}"
    feeds["hidden"] = np.zeros((1, cfg.hidden_channels, *golden_size), dtype=np.float32)
    if kind == "rim":
        graph = RimStep(model).eval()
        args = tuple(torch.from_numpy(feeds[n]) for n in order)
        with torch.no_grad():
            outs = graph(*args)
            ref = model(*(args[2:]))[-1]
            assert torch.allclose(ref, outs[0], atol=1e-5), "RimStep differs from the trained RIM"
        return graph, order, feeds, outs, f"the one RIM call on a {case}"
    graph = StackedCascadeStep(model).eval()
    feeds["cascade"] = np.array([0], dtype=np.int64)
    if cfg.cascades > 1:
        # Golden = the SECOND cascade fed from the first, so a non-zero hidden
        # state and the cascade selector are both exercised.
        with torch.no_grad():
            e0, h0 = graph(*(torch.from_numpy(feeds[n]) for n in order))
        feeds["eta"], feeds["hidden"] = e0.numpy(), h0.numpy()
        feeds["cascade"] = np.array([1], dtype=np.int64)
    args = tuple(torch.from_numpy(feeds[n]) for n in order)
    with torch.no_grad():
        outs = graph(*args)
        ref, _ = model.cascades[int(feeds["cascade"][0])](*args[:7])
        assert torch.allclose(ref[-1], outs[0], atol=1e-5), "stacked cascade differs from the trained cascade"
    return graph, order, feeds, outs, f"cascade {int(feeds['cascade'][0])} (fed by the previous cascade) on a {case}"


DESCRIPTIONS = {
    "cirim": "CIRIM (Karkalousos et al. 2022), one cascade per call; see models/recon_models/cirim.py",
    "rim": "RIM baseline (ConvGRU cells, one cascade, no DC between cascades), one call; see models/recon_models/rim.py",
    "unet": "U-Net baseline, image to image on the SENSE-combined zero-filled input, one call; see models/recon_models/unet.py",
}


def _usage(kind: str, unit: str = "cascade", init_cg: int = 0, init_cg_lambda: float = 0.0, cascade_dc: int = 0) -> list:
    scale = "scale s = bartScale(|RSS of ifft2c(masked k-space)|) per slice (recon/cs.ts rule); kspace /= s"
    first = "eta = sum_c conj(S_c) ifft2c(kspace_c)"
    if init_cg > 0:
        damp = f" + {init_cg_lambda} eta" if init_cg_lambda > 0 else ""
        first = (f"eta = {init_cg} conjugate-gradient iterations on A^H A eta{damp} = A^H kspace from eta = 0 (A = mask fft2c S_c; "
                 "an item stops once ||r|| <= 1e-6 ||A^H kspace||) when there are several coils; single coil eta = A^H kspace "
                 "= sum_c conj(S_c) ifft2c(kspace_c)")
    if unit == "time-step":
        return [scale, first + "; hidden0, hidden1, ... = zeros [B, channels of that layer, H, W]",
                "for c in 0..cascades-1, for t in 0..timeSteps-1: grad = sum_c conj(S_c) ifft2c(mask * fft2c(S_c eta) - kspace_c); "
                "(eta, hidden0, hidden1, ...) = run(eta, grad, hidden0, hidden1, ..., cascade=[c])"
                + (f"; after the last step of cascade c: eta = {cascade_dc} conjugate-gradient iterations on "
                   "(A^H A + mu_c I) x = A^H kspace + mu_c eta from x = eta (mu_c = cascadeDc.mu[c], stopping once ||r|| <= 1e-6 ||b|| (single coil: after two iterations)); "
                   "with a known k-space noise SD sigma per real/imaginary part, mu_c + g (sigma / s)^2 instead, "
                   "g = cascadeDc.noiseGain (the engine's default 1000 without it)" if cascade_dc else ""),
                "image = s * eta (complex); magnitude = s * |eta|"]
    if kind == "unet":
        return [scale, "image = sum_c conj(S_c) ifft2c(kspace_c), zero-padded (centred) to multiples of padMultiple",
                "out = run(image); crop the padding; image = s * image_out (complex); magnitude = s * |image_out|"]
    return [scale, first + "; hidden = zeros [B, hiddenChannels, H, W]",
            "for c in 0..cascades-1: (eta, hidden) = run(eta, hidden, kspace, mask, sens, fh, fw" + (", cascade=[c])" if kind == "cirim" else ")"),
            "image = s * eta (complex); magnitude = s * |eta|"]


def write_if_chain_time_step(model, args, path: str, dyn: dict) -> None:
    """The time-step graph as one constant-weight subgraph per cascade (CascadeTimeStep),
    picked by nested ONNX If nodes on `cascade` (Equal to 0 -> cascade 0, else Equal to
    1 -> ..., else the last). Same arithmetic as StackedTimeStep with the joint state split
    into one input and one output per layer (the golden, computed with StackedTimeStep,
    checks the file); ONNX Runtime gets constant conv weights."""
    import onnx
    from onnx import TensorProto, helper

    states = [n for n, _ in time_step_states(model.cfg)]
    in_names, out_names = ["eta", "grad", *states], ["eta_out", *(f"{n}_out" for n in states)]
    subs, io = [], None
    with tempfile.TemporaryDirectory() as td:
        for c, casc in enumerate(model.cascades):
            p = os.path.join(td, f"cascade{c}.onnx")
            torch.onnx.export(CascadeTimeStep(casc).eval(), tuple(args[:len(in_names)]), p, input_names=in_names,
                              output_names=out_names, dynamic_axes={k: v for k, v in dyn.items() if v and k != "cascade"},
                              opset_version=OPSET, do_constant_folding=True)
            m = onnx.load(p)
            g = m.graph
            if io is None:
                io = (list(g.input), list(g.output))
            # Outer-scope inputs keep their names; everything the subgraph defines gets a cascade prefix.
            ren = {t.name: f"c{c}/{t.name}" for t in g.initializer}
            ren.update({o: f"c{c}/{o}" for n in g.node for o in n.output})
            for t in g.initializer:
                t.name = ren[t.name]
            for n in g.node:
                n.name = f"c{c}/{n.name}"
                n.input[:] = [ren.get(v, v) for v in n.input]
                n.output[:] = [ren[v] for v in n.output]
            outs = [helper.make_tensor_value_info(ren[o.name], TensorProto.FLOAT, None) for o in g.output]
            subs.append(helper.make_graph(list(g.node), f"cascade{c}", [], outs, initializer=list(g.initializer)))

    def chain(c: int):
        if c == len(subs) - 1:
            return subs[c]
        cond, outs = f"is_cascade{c}", [f"pick{c}/{o}" for o in out_names]
        nodes = [helper.make_node("Equal", ["cascade_scalar", f"const{c}"], [cond]),
                 helper.make_node("If", [cond], outs, then_branch=subs[c], else_branch=chain(c + 1))]
        return helper.make_graph(nodes, f"pick{c}", [], [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs],
                                 initializer=[helper.make_tensor(f"const{c}", TensorProto.INT64, [], [c])])

    top = chain(0)
    nodes = [helper.make_node("Constant", [], ["axis0"], value=helper.make_tensor("axis0_value", TensorProto.INT64, [1], [0])),
             helper.make_node("Squeeze", ["cascade", "axis0"], ["cascade_scalar"]), *top.node,
             *(helper.make_node("Identity", [o.name], [n]) for o, n in zip(top.output, out_names))]
    inputs = io[0] + [helper.make_tensor_value_info("cascade", TensorProto.INT64, [1])]
    graph = helper.make_graph(nodes, "cirim_time_step", inputs, io[1], initializer=list(top.initializer))
    out = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="recon-studio models/export_onnx.py")
    onnx.checker.check_model(out)
    onnx.save(out, path)


def export(kind: str, model, name: str, training: dict, metrics, golden_size=(24, 20), golden_coils=1, out_root=None,
           unit: str = "cascade", version: int = 1) -> str:
    model.eval()
    cfg = model.cfg
    if kind == "unet":  # the golden size must be a legal U-Net size
        m = cfg.pad_multiple
        golden_size = tuple(-(-g // m) * m for g in golden_size)
    if getattr(cfg, "cascade_dc", 0) > 0 and unit != "time-step":
        raise SystemExit("a CIRIM with cascade_dc exports with --unit time-step (the engine runs the DC step between cascades)")
    graph, order, feeds, outs, case = _graph_and_golden(kind, model, cfg, golden_size, golden_coils, unit)
    inputs, outputs = io_specs(kind, cfg, unit)
    out_root = out_root or os.path.join(ROOT, "resources", "models")
    os.makedirs(out_root, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{name}-", dir=out_root)
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; the app must read it
    try:
        dyn = {i["name"]: {k: d for k, d in enumerate(i["shape"]) if isinstance(d, str)} for i in inputs + outputs}
        args = tuple(torch.from_numpy(feeds[n]) for n in order)
        if unit == "time-step":
            write_if_chain_time_step(model, args, os.path.join(tmp, "model.onnx"), dyn)
        else:
            torch.onnx.export(graph, args, os.path.join(tmp, "model.onnx"), input_names=order, output_names=[o["name"] for o in outputs],
                              dynamic_axes={k: v for k, v in dyn.items() if v}, opset_version=OPSET, do_constant_folding=True)
        import onnx
        onnx.checker.check_model(onnx.load(os.path.join(tmp, "model.onnx")))
        g_in, g_out = write_golden(tmp, order, feeds, outputs, outs)
        manifest = {
            "name": name, "version": version, "architecture": kind, "file": "model.onnx", "opset": OPSET,
            "description": DESCRIPTIONS[kind] if unit == "cascade" else DESCRIPTIONS[kind].replace("one cascade per call", "one time step per call (a constant-weight subgraph per cascade, picked by ONNX If on `cascade`), the likelihood gradient computed by the caller"),
            **({"unit": unit} if kind == "cirim" else {}), "config": cfg.to_dict(),
            **({"init": "cg-sense", "initIters": cfg.init_cg} if getattr(cfg, "init_cg", 0) > 0 else {}),
            **({"initLambda": cfg.init_cg_lambda} if getattr(cfg, "init_cg", 0) > 0 and getattr(cfg, "init_cg_lambda", 0.0) > 0 else {}),
            **({"cascadeDc": {"iterations": cfg.cascade_dc, "mu": [float(c.dc_log_mu.exp()) for c in model.cascades],
                              **({"noiseGain": float(cfg.dc_noise_gain)} if getattr(cfg, "dc_noise_gain", 0.0) else {})}}
               if getattr(cfg, "cascade_dc", 0) > 0 else {}),
            **({"padMultiple": cfg.pad_multiple, "output": cfg.out} if kind == "unet"
               else {"cascades": cfg.cascades, "timeSteps": cfg.time_steps, "hiddenChannels": cfg.hidden_channels}),
            "inputs": inputs, "outputs": outputs,
            "complexLayout": "complex tensors carry a trailing axis of 2 (re, im): row-major, identical to the engine's interleaved Float32Array",
            "usage": _usage(kind, unit, getattr(cfg, "init_cg", 0), getattr(cfg, "init_cg_lambda", 0.0), getattr(cfg, "cascade_dc", 0)), "normalisation": NORMALISATION,
            "training": training, "metrics": metrics,
            "provenance": {"torch": torch.__version__, "onnx": onnx.__version__, "numpy": np.__version__, "commit": git_commit(),
                           "exporter": "models/export_onnx.py"},
            "golden": {"inputs": g_in, "outputs": g_out, "rtol": 1e-4, "case": case},
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


def write_golden(folder: str, order: list, feeds: dict, outputs: list, outs) -> tuple[dict, dict]:
    """golden/input_<name>.npy and golden/output_<name>.npy in folder; returns the manifest's
    (inputs, outputs) maps of name -> relative file (shared with export_diffusion.py)."""
    os.makedirs(os.path.join(folder, "golden"))
    g_in, g_out = {}, {}
    for n in order:
        np.save(os.path.join(folder, "golden", f"input_{n}.npy"), feeds[n])
        g_in[n] = f"golden/input_{n}.npy"
    for o, t in zip(outputs, outs):
        np.save(os.path.join(folder, "golden", f"output_{o['name']}.npy"), t.numpy().astype(np.float32))
        g_out[o["name"]] = f"golden/output_{o['name']}.npy"
    return g_in, g_out


def training_split() -> dict:
    return {"train": split()["train"], "val": split()["val"], "volumes": {s: [p for p, _ in v] for s, v in SUBJECTS.items()}}


def export_checkpoint(checkpoint: str, name: str, out_root=None, golden_size=(24, 20), golden_coils=1, metrics=None,
                      note: str | None = None, final_loss=None, unit: str = "cascade", version: int = 1) -> str:
    import train
    kind, model, _, st = train.load_checkpoint(checkpoint)
    training = {"split": training_split(), "args": st.get("args"), "steps": st.get("step")}
    if note:
        training["note"] = note
    if final_loss is not None:
        training["finalLoss"] = final_loss
    return export(kind, model, name, training, metrics, golden_size, golden_coils, out_root, unit, version)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint")
    ap.add_argument("--name")
    ap.add_argument("--smoke", action="store_true", help="train a tiny model for a few steps and export it as <model>-smoke")
    ap.add_argument("--model", choices=("cirim", "rim", "unet"), default="cirim", help="--smoke: which model")
    ap.add_argument("--smoke-steps", type=int, default=20)
    ap.add_argument("--golden-size", default="24x20")
    ap.add_argument("--golden-coils", type=int, default=1)
    ap.add_argument("--metrics", help="JSON file (evaluate.py --json output) to record in the manifest")
    ap.add_argument("--out-root", default=None)
    ap.add_argument("--note", default=None, help="training history the checkpoint's own args cannot tell (e.g. the run it was resumed from), recorded as training.note")
    ap.add_argument("--version", type=int, default=1, help="the manifest's version: raise it when new weights replace a shipped model of the same name")
    ap.add_argument("--unit", choices=("cascade", "time-step"), default="cascade",
                    help="CIRIM: one cascade per call with DFT-matrix inputs (default), or one time step per call with the "
                         "likelihood gradient as an input (the engine computes it with its FFT: faster, most of all multi-coil)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    if a.smoke:
        import train
        argv = ["--model", a.model, "--smoke", "--steps", str(a.smoke_steps)] + (["--export-root", a.out_root] if a.out_root else [])
        return train.main(argv)
    if not a.checkpoint or not a.name:
        ap.error("--checkpoint and --name are required unless --smoke")
    gs = tuple(int(v) for v in a.golden_size.lower().split("x"))
    metrics = json.load(open(a.metrics)) if a.metrics else None
    if a.version < 1:
        ap.error(f"--version must be >= 1, got {a.version}")
    dest = export_checkpoint(a.checkpoint, a.name, a.out_root, gs, a.golden_coils, metrics, note=a.note, unit=a.unit, version=a.version)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(dest) for f in fs)
    print(json.dumps({"exported": dest, "bytes": total}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
