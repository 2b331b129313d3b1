#!/bin/sh
# CI smoke for the learned models (issue 5): train CIRIM, RIM and U-Net a few
# steps on tiny crops, export each to a TEMP folder (never resources/), and
# check golden parity plus one reconstruction per model through the engine
# (onnxruntime-node). About a minute on 2 cores; needs python3-torch,
# python3-onnx, python3-nibabel, python3-scipy, insighttoolkit5-examples,
# mricron-data and the npm dependencies.
#   sh models/ci_smoke.sh [steps]
set -eu
cd "$(dirname "$0")/.."
STEPS="${1:-10}"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/recon-ci-smoke-XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
start=$(date +%s)
/usr/bin/python3 models/check_loss.py
/usr/bin/python3 models/check_dc_step.py
/usr/bin/python3 models/check_batch.py
for m in cirim rim unet; do
  nice -n 19 /usr/bin/python3 models/train.py --model "$m" --smoke --steps "$STEPS" --log-every "$STEPS" \
    --out "$TMP/run-$m" --export-root "$TMP/models" | tail -n 1
done
# Diffusion prior (issue 8): denoiser + orientation classifier -> diffusion-smoke(-classifier).
nice -n 19 /usr/bin/python3 models/train_diffusion.py --smoke --steps "$STEPS" --log-every "$STEPS" \
  --out "$TMP/run-diffusion" --export-root "$TMP/models" | tail -n 1 | cut -c 1-200
npx tsx models/ci_parity.ts "$TMP/models"
/usr/bin/python3 models/check_cirim_engine.py
echo "ci_smoke: ok in $(( $(date +%s) - start )) s"
