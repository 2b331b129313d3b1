"""Print JSON statistics of a Python line mask, for the TS/Python parity test.

  /usr/bin/python3 models/mask_stats.py --kind equispaced --n 256 --accel 4 \
      --center-fraction 0.08 [--seed 0] [--offset 2] [--rows]

Output: {"kind", "n", "accel", "centerFraction", "center": [start, end],
"achieved", "sampled"} and, with --rows, "rows" (0/1 per row). Needs numpy only.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from recon_models.masks import achieved_accel, line_mask  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--accel", type=float, required=True)
    ap.add_argument("--center-fraction", type=float, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--offset", type=int, default=None, help="first spaced row (deterministic kinds)")
    ap.add_argument("--rows", action="store_true")
    a = ap.parse_args()
    try:
        rows, center = line_mask(a.kind, a.n, a.accel, a.center_fraction, np.random.default_rng(a.seed), a.offset)
    except ValueError as e:
        print(f"mask_stats: {e}", file=sys.stderr)
        return 2
    out = {"kind": a.kind, "n": a.n, "accel": a.accel, "centerFraction": a.center_fraction,
           "center": [int(center[0]), int(center[1])], "achieved": achieved_accel(rows),
           "sampled": int(rows.sum())}
    if a.rows:
        out["rows"] = [int(v) for v in rows]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
