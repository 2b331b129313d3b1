"""Training-side code for Recon Studio's learned reconstructions.

Never imported by the app: the app reads resources/models/<name>/ only. The
mask and normalisation definitions here mirror electron/engine (sampling/,
recon/cs.ts bartScale) and models/../electron/engine/sampling/python-parity.test.ts
checks the masks agree.
"""
