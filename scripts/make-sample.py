#!/usr/bin/python3
"""Cuts the bundled sample from a Debian package so its origin is reproducible.

Source: insighttoolkit5-examples (Apache-2.0),
/usr/share/doc/insighttoolkit5-examples/examples/Data/KmeansTest_T1UCharRaw.nii.gz,
a real T1-weighted head scan, 128x128x62 at 2x2x3 mm. We keep 8 central slices
along the third axis (coronal) with the affine nibabel's slicer adjusts.
Run with Debian's python3 (needs python3-nibabel): /usr/bin/python3 scripts/make-sample.py
"""
import nibabel as nib
import numpy as np

SRC = "/usr/share/doc/insighttoolkit5-examples/examples/Data/KmeansTest_T1UCharRaw.nii.gz"
DST = "resources/samples/t1-brain-itk.nii.gz"

img = nib.load(SRC)
cut = img.slicer[:, :, 27:35]
out = nib.Nifti1Image(np.asarray(cut.dataobj).astype(np.int16), cut.affine, cut.header)
out.set_qform(cut.affine, code=1)
out.set_sform(cut.affine, code=1)
out.header["descrip"] = b"ITK KmeansTest_T1UCharRaw slices 27-34"
nib.save(out, DST)
print(DST, out.shape)
