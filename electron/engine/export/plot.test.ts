import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { PALETTE, escapeXml, formatTick, lineChartSvg, logTicks, niceTicks, svgToPng } from './plot';

describe('axis ticks', () => {
  it('nice linear ticks are round and cover the range', () => {
    expect(niceTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0.13, 0.87, 4)).toEqual([0.2, 0.4, 0.6, 0.8].map((v) => expect.closeTo(v, 12)));
  });
  it('log ticks are powers of ten (with 2x, 5x over short ranges)', () => {
    expect(logTicks(1e-3, 1e3)).toEqual([1e-3, 1e-2, 1e-1, 1, 10, 100, 1000].map((v) => expect.closeTo(v, 12)));
    expect(logTicks(1, 50)).toEqual([1, 2, 5, 10, 20, 50]);
  });
  it('formats ticks compactly', () => {
    expect(formatTick(0)).toBe('0');
    expect(formatTick(1e-5)).toBe('1e-5');
    expect(formatTick(250000)).toBe('2.5e5');
    expect(formatTick(0.25)).toBe('0.25');
  });
});

describe('lineChartSvg', () => {
  const panels = [
    { title: 'Objective', xLabel: 'iteration', yLabel: 'f(x)', logY: true, series: [
      { name: 'adam', x: [1, 2, 3], y: [10, 1, 0.1] },
      { name: 'gd <slow>', x: [1, 2, 3], y: [10, NaN, 5] },
    ] },
    { title: 'PSNR', xLabel: 'iteration', yLabel: 'dB', series: [{ name: 'adam', x: [1, 2, 3], y: [20, 25, 27] }] },
  ];
  const svg = lineChartSvg(panels, { title: 'Convergence', subtitle: 'test' });

  it('draws every series, with escaped names, a shared legend and breaks at NaN', () => {
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('gd &lt;slow&gt;');
    expect(svg).not.toContain('<slow>');
    // adam twice (two panels), gd as two runs broken by NaN -> 4 polylines
    expect(svg.match(/<polyline/g)).toHaveLength(4);
    expect(svg).toContain(`stroke="${PALETTE[0]}"`);
    expect(svg).toContain(`stroke="${PALETTE[1]}"`);
    expect(svg).toContain('f(x) (log)');
    expect(escapeXml('a&b')).toBe('a&amp;b');
  });

  it('keeps series beyond the palette distinguishable by dashes', () => {
    const many = Array.from({ length: 10 }, (_, i) => ({ name: `s${i}`, x: [0, 1], y: [i, i + 1] }));
    const s = lineChartSvg([{ title: 't', xLabel: 'x', yLabel: 'y', series: many }]);
    expect(s.match(/stroke-dasharray/g)!.length).toBeGreaterThanOrEqual(4);
  });

  it('rasterises to a PNG without a browser', async () => {
    const png = await svgToPng(svg, 1);
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(900);
    // Not blank: some pixels are dark (text, axes) and some coloured (lines).
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    let dark = 0, blue = 0;
    for (let i = 0; i < data.length; i += info.channels) {
      if (data[i]! < 80 && data[i + 1]! < 80 && data[i + 2]! < 80) dark++;
      if (data[i]! < 40 && data[i + 1]! > 90 && data[i + 1]! < 140 && data[i + 2]! > 150) blue++;
    }
    expect(dark).toBeGreaterThan(500);
    expect(blue).toBeGreaterThan(50);
  });
});
