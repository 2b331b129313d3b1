/**
 * fastMRI-layout HDF5 files for tests, written by Debian's h5py
 * (/usr/bin/python3, package python3-h5py) exactly as the fastMRI dataset
 * stores them: kspace [slice][coil][height=readout][width=phase], references
 * made the way fastMRI made them (orthonormal centred inverse FFT, centre crop
 * to the recon size, root-sum-of-squares), ISMRMRD header, attrs.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const SCRIPT = String.raw`
import sys, numpy as np, h5py
out = sys.argv[1]
rng = np.random.default_rng(7)

def header(enc, recon, fov):
    return ('<?xml version="1.0"?><ismrmrdHeader xmlns="http://www.ismrm.org/ISMRMRD">'
            '<acquisitionSystemInformation><systemModel>Skyra</systemModel><systemFieldStrength_T>2.89362</systemFieldStrength_T></acquisitionSystemInformation>'
            '<encoding><encodedSpace><matrixSize><x>%d</x><y>%d</y><z>1</z></matrixSize>'
            '<fieldOfView_mm><x>%g</x><y>%g</y><z>%g</z></fieldOfView_mm></encodedSpace>'
            '<reconSpace><matrixSize><x>%d</x><y>%d</y><z>1</z></matrixSize>'
            '<fieldOfView_mm><x>%g</x><y>%g</y><z>%g</z></fieldOfView_mm></reconSpace></encoding>'
            '<sequenceParameters><TR>2750</TR><TE>27</TE></sequenceParameters></ismrmrdHeader>'
            % (enc[0], enc[1], fov[0], fov[1], fov[2], recon[0], recon[1], fov[0] / 2, fov[1], fov[2])).encode()

def ifft2c(k):
    return np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(k, axes=(-2, -1)), norm='ortho'), axes=(-2, -1))

def crop(x, h, w):
    H, W = x.shape[-2:]
    a, b = (H - h) // 2, (W - w) // 2
    return x[..., a:a + h, b:b + w]

def kdata(shape):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)

# Multi-coil, fully sampled: 3 slices, 4 coils, 24 readout x 16 phase; recon 12 x 8.
k = kdata((3, 4, 24, 16))
rss = np.sqrt((np.abs(crop(ifft2c(k.astype(np.complex128)), 12, 8)) ** 2).sum(axis=1)).astype(np.float32)
with h5py.File(out + '/multicoil.h5', 'w') as f:
    f.create_dataset('kspace', data=k)
    f.create_dataset('reconstruction_rss', data=rss)
    f.create_dataset('ismrmrd_header', data=header((24, 16), (12, 8), (240.0, 160.0, 3.0)))
    f.attrs['max'] = float(rss.max()); f.attrs['norm'] = 1.5; f.attrs['acquisition'] = 'AXT2'; f.attrs['patient_id'] = 'abc123'

# Multi-coil test-set style: masked columns are zero, 'mask' over width, no reference.
mask = np.zeros(16, bool); mask[[0, 3, 5, 7, 8, 9, 12, 14]] = True
km = k.copy(); km[..., ~mask] = 0
with h5py.File(out + '/masked.h5', 'w') as f:
    f.create_dataset('kspace', data=km)
    f.create_dataset('mask', data=mask)
    f.create_dataset('ismrmrd_header', data=header((24, 16), (12, 8), (240.0, 160.0, 3.0)))
    f.attrs['acquisition'] = 'AXT2'

# Single-coil: 2 slices, 16 readout x 10 phase; ESC reference 8 x 6.
ks = kdata((2, 16, 10))
esc = np.abs(crop(ifft2c(ks.astype(np.complex128)), 8, 6)).astype(np.float32)
with h5py.File(out + '/singlecoil.h5', 'w') as f:
    f.create_dataset('kspace', data=ks)
    f.create_dataset('reconstruction_esc', data=esc)
    f.create_dataset('reconstruction_rss', data=esc)
    f.create_dataset('ismrmrd_header', data=header((16, 10), (8, 6), (160.0, 100.0, 4.5)))
    f.attrs['max'] = float(esc.max()); f.attrs['acquisition'] = 'CORPD_FBK'

# Broken files.
with h5py.File(out + '/no-kspace.h5', 'w') as f:
    f.create_dataset('reconstruction_rss', data=rss)
with h5py.File(out + '/real-kspace.h5', 'w') as f:
    f.create_dataset('kspace', data=np.ones((2, 4, 4), np.float32))
kn = k.copy(); kn[1, 2, 3, 4] = np.nan
with h5py.File(out + '/nan.h5', 'w') as f:
    f.create_dataset('kspace', data=kn)
with h5py.File(out + '/bad-mask.h5', 'w') as f:
    f.create_dataset('kspace', data=k)
    f.create_dataset('mask', data=np.ones(24, bool))
# Huge declared shapes cost nothing on disk (unwritten chunks are not stored).
with h5py.File(out + '/absurd.h5', 'w') as f:
    f.create_dataset('kspace', shape=(100000, 64, 640, 368), dtype=np.complex64, chunks=(1, 1, 64, 64))
with h5py.File(out + '/hollow.h5', 'w') as f:
    f.create_dataset('kspace', shape=(40, 16, 640, 368), dtype=np.complex64, chunks=(1, 1, 64, 64))
with h5py.File(out + '/absurd-coils.h5', 'w') as f:
    f.create_dataset('kspace', shape=(1, 5000, 64, 64), dtype=np.complex64, chunks=(1, 1, 64, 64))
import json
picks = [(0, 0, 0, 0), (1, 2, 3, 7), (2, 3, 23, 15), (1, 0, 11, 2)]
json.dump({'multi': [[s_, c, h, w, float(k[s_, c, h, w].real), float(k[s_, c, h, w].imag)] for (s_, c, h, w) in picks],
           'single': [[s_, h, w, float(ks[s_, h, w].real), float(ks[s_, h, w].imag)] for (s_, h, w) in [(0, 0, 0), (1, 15, 9), (1, 3, 8)]],
           'rss': [[s_, h, w, float(rss[s_, h, w])] for (s_, h, w) in [(0, 0, 0), (2, 11, 7), (1, 4, 1)]]}, open(out + '/values.json', 'w'))
`;

/** Writes the fixture files, and values.json (a few raw values by fastMRI index), into dir. */
export function writeFastMriFixtures(dir: string): void {
  execFileSync('/usr/bin/python3', ['-c', SCRIPT, dir], { stdio: 'pipe' });
}

export const fixture = (dir: string, name: string): string => join(dir, name);
