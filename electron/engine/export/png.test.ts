import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodePng, flipRows, toUint16 } from './png';

// Decoded by an independent implementation (Pillow in Debian's python3).
function decodeWithPillow(file: string): { mode: string; size: [number, number]; pixels: number[]; text: Record<string, string> } {
  const py = `
import json, sys
from PIL import Image
im = Image.open(sys.argv[1])
px = list(im.getdata())
print(json.dumps({"mode": im.mode, "size": im.size, "pixels": px, "text": im.text}))`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', py, file], { encoding: 'utf8' }));
}

describe('PNG encoder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'png-'));

  it('writes 16-bit greyscale that Pillow reads back exactly, with text chunks', () => {
    const w = 7, h = 5;
    const px = Uint16Array.from({ length: w * h }, (_, i) => (i * 1871) % 65536);
    px[3] = 65535;
    const file = join(dir, 'a.png');
    writeFileSync(file, encodePng({ width: w, height: h, pixels: px, text: { Software: 'Recon Studio', 'Recon-Provenance': '{"seed":1,"é":"x"}' } }));
    const d = decodeWithPillow(file);
    expect(d.mode).toMatch(/^I(;16)?$/);
    expect(d.size).toEqual([w, h]);
    expect(d.pixels).toEqual(Array.from(px));
    expect(d.text.Software).toBe('Recon Studio');
    expect(JSON.parse(d.text['Recon-Provenance']!)).toEqual({ seed: 1, é: 'x' });
  });

  it('writes 8-bit greyscale too', () => {
    const px = Uint8Array.from([0, 1, 2, 255, 128, 7]);
    const file = join(dir, 'b.png');
    writeFileSync(file, encodePng({ width: 3, height: 2, pixels: px }));
    const d = decodeWithPillow(file);
    expect(d.mode).toBe('L');
    expect(d.pixels).toEqual([0, 1, 2, 255, 128, 7]);
  });

  it('scales, rounds and clips to 16 bits; flips rows; rejects bad sizes and keywords', () => {
    expect(Array.from(toUint16(Float32Array.from([-1, 0.5, 1, 2, NaN]), 65535))).toEqual([0, 32768, 65535, 65535, 0]);
    expect(Array.from(flipRows(Uint16Array.from([1, 2, 3, 4, 5, 6]), 2, 3))).toEqual([5, 6, 3, 4, 1, 2]);
    expect(() => encodePng({ width: 2, height: 2, pixels: new Uint16Array(3) })).toThrow(/needs 4 samples/);
    expect(() => encodePng({ width: 1, height: 1, pixels: new Uint16Array(1), text: { ' bad': 'x' } })).toThrow(/keyword/);
  });
});
