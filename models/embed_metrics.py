"""Record held-out quality in shipped model manifests (manifest "metrics").

  /usr/bin/python3 models/embed_metrics.py models/eval/heldout.json \
      cirim=cirim rim=rim unet=unet diffusion=diffusion-k10,diffusion-k20

Each MODEL=LABELS pair writes into resources/models/MODEL/manifest.json:
metrics.heldout = {subject, slices, size, definitions, source, rows (the
table rows whose method is one of LABELS), reference (zero-filled and CS rows
of the same table)}. The manifest is rewritten atomically (temp file, rename);
its model.onnx and golden files are untouched, so the model's SHA-256 and
golden parity do not change. A label with no rows is an error: a manifest
never claims metrics that were not measured.
"""
from __future__ import annotations

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def heldout_metrics(table: dict, labels: list[str], source: str) -> dict:
    meta, rows = table["meta"], table["rows"]
    mine = [r for r in rows if r["method"] in labels]
    missing = [lb for lb in labels if not any(r["method"] == lb for r in rows)]
    if missing:
        raise SystemExit(f"{source}: no rows for {', '.join(missing)} (methods there: {sorted({r['method'] for r in rows})})")
    ref = [r for r in rows if r["method"] == "zero-filled" or r["method"].startswith("cs ")]
    keep = ("coils", "setting", "accel", "method", "ssim", "psnr", "nmse")
    return {"subject": f"{', '.join(meta['heldOut'])} (KmeansTest_T1UCharRaw)", "slices": meta["slices"], "size": f"{meta['size']}x{meta['size']}",
            "definitions": "fastMRI volume metrics (models/evaluate.py)", "source": source,
            "rows": [{k: r[k] for k in keep} for r in mine], "reference": [{k: r[k] for k in keep} for r in ref]}


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    src = argv[0]
    table = json.load(open(src))
    rel = os.path.relpath(os.path.abspath(src), ROOT)
    for pair in argv[1:]:
        model, _, labels = pair.partition("=")
        path = os.path.join(ROOT, "resources", "models", model, "manifest.json")
        if not labels or not os.path.exists(path):
            raise SystemExit(f"{pair}: expected MODEL=LABEL[,LABEL] with resources/models/MODEL/manifest.json present")
        man = json.load(open(path))
        man["metrics"] = {"heldout": heldout_metrics(table, labels.split(","), rel)}
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(man, f, indent=2)
            f.write("\n")
        os.replace(tmp, path)
        print(json.dumps({"model": model, "rows": len(man["metrics"]["heldout"]["rows"])}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
