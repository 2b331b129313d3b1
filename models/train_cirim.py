"""Kept for existing commands and runs: `train_cirim.py ARGS` is `train.py --model cirim ARGS`.

  /usr/bin/python3 models/train_cirim.py --out models/runs/cirim --steps 2000 [--crop 96] [--resume]

Checkpoints are the same format (train.py adds a `kind` field; older ones
without it load as CIRIM), so runs started here resume under either script.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train as _train  # noqa: E402

DEFAULT_MASKS = _train.DEFAULT_MASKS


def parser():
    ap = _train.parser()
    ap.set_defaults(model="cirim")
    return ap


def train(args) -> dict:
    args.model = "cirim"
    return _train.train(_train.fill_defaults(args))


if __name__ == "__main__":
    sys.exit(_train.main(["--model", "cirim", *sys.argv[1:]]))
