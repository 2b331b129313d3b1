/**
 * Draws a float image into a viewport canvas with a window and a colour map.
 *
 * WebGL2 first: the slice goes up once as an R32F texture and window/level
 * and the colour map are uniforms, so a W/L drag redraws without touching
 * the pixels. Canvas2D otherwise (no WebGL2, a software WebGL, or a lost context): a lookup
 * table into an ImageData, redone only when the slice, window or map changes.
 */
import { applyWindow, colormapLut, type Colormap, type WindowLevel } from './window-level';

/** A float image to draw; `data` identity tells the renderer whether to upload again. */
export interface Layer {
  data: Float32Array;
  width: number;
  height: number;
}

export interface LayerDraw {
  layer: Layer;
  wl: WindowLevel;
  colormap: Colormap;
}

export interface DrawParams {
  /** Canvas size in CSS pixels and device pixel ratio (the backing store is css × dpr). */
  cssWidth: number;
  cssHeight: number;
  dpr: number;
  /** Where the image goes, [left, top, width, height] in CSS pixels. */
  rect: [number, number, number, number];
  /** Blocky pixels (zoomed in) rather than smoothed. */
  nearest: boolean;
  main: LayerDraw | null;
  /** Swipe: a second image drawn right of `fromX` (CSS pixels). */
  second?: (LayerDraw & { fromX: number }) | null;
}

export interface ImageRenderer {
  readonly kind: 'webgl2' | 'canvas2d';
  draw(p: DrawParams): void;
  destroy(): void;
}

export function createRenderer(canvas: HTMLCanvasElement): ImageRenderer {
  if (softwareGl()) return new Canvas2dRenderer(canvas);
  const gl = canvas.getContext('webgl2', { antialias: false, alpha: false, premultipliedAlpha: false, preserveDrawingBuffer: false });
  if (gl) {
    try {
      return new GlRenderer(gl);
    } catch (e) {
      console.warn('WebGL2 viewer unavailable, drawing with Canvas2D', e);
    }
  }
  return new Canvas2dRenderer(canvas);
}

let software: boolean | null = null;

/**
 * Whether WebGL is a CPU emulation (SwiftShader, llvmpipe: no GPU, or a
 * blocklisted driver). Then it buys nothing and costs much: the compositor
 * (software too) reads every WebGL canvas back synchronously at each commit,
 * which blocks the main thread for tens of ms per frame on a busy CPU, while
 * Canvas2D rasters in place. Probed once, on a throwaway canvas (a canvas
 * that got a WebGL context can never give a 2D one).
 */
function softwareGl(): boolean {
  if (software !== null) return software;
  software = false;
  if (typeof document === 'undefined') return software;
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return software;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
  software = /swiftshader|llvmpipe|softpipe|software|basic render/i.test(name);
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return software;
}

// ---------------------------------------------------------------------------
// WebGL2

const VERT = `#version 300 es
in vec2 a_pos;
uniform vec4 u_rect; // clip-space x0, y0 (top), x1, y1 (bottom)
out vec2 v_uv;
void main() {
  v_uv = a_pos;
  gl_Position = vec4(mix(u_rect.x, u_rect.z, a_pos.x), mix(u_rect.y, u_rect.w, a_pos.y), 0.0, 1.0);
}`;

const FRAG = `#version 300 es
precision highp float;
uniform highp sampler2D u_tex;
uniform float u_lo;
uniform float u_scale;
uniform int u_cmap;
in vec2 v_uv;
out vec4 o;
vec3 diverging(float t) {
  vec3 blue = vec3(33.0, 102.0, 172.0) / 255.0;
  vec3 red = vec3(178.0, 24.0, 43.0) / 255.0;
  return t < 0.5 ? mix(blue, vec3(1.0), t / 0.5) : mix(vec3(1.0), red, (t - 0.5) / 0.5);
}
// The sequential map (window-level.ts sequentialRgb): cubehelix, same parameters.
vec3 sequential(float t) {
  float phi = 6.283185307 * (0.5 / 3.0 - 1.0 * t);
  float a = 1.2 * t * (1.0 - t) / 2.0;
  float c = cos(phi);
  float s = sin(phi);
  return clamp(vec3(t) + a * vec3(-0.14861 * c + 1.78277 * s, -0.29227 * c - 0.90649 * s, 1.97294 * c), 0.0, 1.0);
}
void main() {
  float v = texture(u_tex, v_uv).r;
  // NaN (masked or missing) draws black, never a colour.
  if (!(v == v)) { o = vec4(0.0, 0.0, 0.0, 1.0); return; }
  float t = clamp((v - u_lo) * u_scale, 0.0, 1.0);
  o = vec4(u_cmap == 1 ? diverging(t) : u_cmap == 2 ? sequential(t) : vec3(t), 1.0);
}`;

interface Tex {
  tex: WebGLTexture;
  data: Float32Array | null;
  width: number;
  height: number;
}

class GlRenderer implements ImageRenderer {
  readonly kind = 'webgl2' as const;
  private prog: WebGLProgram;
  private vao: WebGLVertexArrayObject;
  private texs: [Tex, Tex];
  private loc: { rect: WebGLUniformLocation | null; lo: WebGLUniformLocation | null; scale: WebGLUniformLocation | null; cmap: WebGLUniformLocation | null; tex: WebGLUniformLocation | null };
  private floatLinear: boolean;

  constructor(private gl: WebGL2RenderingContext) {
    this.prog = link(gl, VERT, FRAG);
    this.floatLinear = gl.getExtension('OES_texture_float_linear') !== null;
    const vao = gl.createVertexArray();
    const buf = gl.createBuffer();
    if (!vao || !buf) throw new Error('no WebGL buffers');
    this.vao = vao;
    gl.bindVertexArray(vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, buf);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]), gl.STATIC_DRAW);
    const aPos = gl.getAttribLocation(this.prog, 'a_pos');
    gl.enableVertexAttribArray(aPos);
    gl.vertexAttribPointer(aPos, 2, gl.FLOAT, false, 0, 0);
    gl.bindVertexArray(null);
    this.texs = [this.makeTex(), this.makeTex()];
    const u = (n: string): WebGLUniformLocation | null => gl.getUniformLocation(this.prog, n);
    this.loc = { rect: u('u_rect'), lo: u('u_lo'), scale: u('u_scale'), cmap: u('u_cmap'), tex: u('u_tex') };
  }

  private makeTex(): Tex {
    const tex = this.gl.createTexture();
    if (!tex) throw new Error('no WebGL texture');
    return { tex, data: null, width: 0, height: 0 };
  }

  draw(p: DrawParams): void {
    const gl = this.gl;
    const W = Math.max(1, Math.round(p.cssWidth * p.dpr));
    const H = Math.max(1, Math.round(p.cssHeight * p.dpr));
    gl.viewport(0, 0, W, H);
    gl.disable(gl.SCISSOR_TEST);
    gl.clearColor(0, 0, 0, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (!p.main) return;
    gl.useProgram(this.prog);
    gl.bindVertexArray(this.vao);
    const [l, t, w, h] = p.rect;
    gl.uniform4f(this.loc.rect, (l / p.cssWidth) * 2 - 1, 1 - (t / p.cssHeight) * 2, ((l + w) / p.cssWidth) * 2 - 1, 1 - ((t + h) / p.cssHeight) * 2);
    this.drawLayer(0, p.main, p.nearest);
    if (p.second) {
      const x = Math.max(0, Math.round(p.second.fromX * p.dpr));
      gl.enable(gl.SCISSOR_TEST);
      gl.scissor(x, 0, Math.max(0, W - x), H);
      this.drawLayer(1, p.second, p.nearest);
      gl.disable(gl.SCISSOR_TEST);
    }
    gl.bindVertexArray(null);
  }

  private drawLayer(unit: 0 | 1, d: LayerDraw, nearest: boolean): void {
    const gl = this.gl;
    const t = this.texs[unit];
    gl.activeTexture(unit === 0 ? gl.TEXTURE0 : gl.TEXTURE1);
    gl.bindTexture(gl.TEXTURE_2D, t.tex);
    if (t.data !== d.layer.data) {
      // Upload once per slice; W/L changes only touch uniforms.
      gl.pixelStorei(gl.UNPACK_ALIGNMENT, 4);
      if (t.width === d.layer.width && t.height === d.layer.height) {
        gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, d.layer.width, d.layer.height, gl.RED, gl.FLOAT, d.layer.data);
      } else {
        gl.texImage2D(gl.TEXTURE_2D, 0, gl.R32F, d.layer.width, d.layer.height, 0, gl.RED, gl.FLOAT, d.layer.data);
      }
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
      t.data = d.layer.data;
      t.width = d.layer.width;
      t.height = d.layer.height;
    }
    const filter = nearest || !this.floatLinear ? gl.NEAREST : gl.LINEAR;
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, filter);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, filter);
    const lo = d.wl.level - d.wl.width / 2;
    gl.uniform1i(this.loc.tex, unit);
    gl.uniform1f(this.loc.lo, lo);
    gl.uniform1f(this.loc.scale, d.wl.width > 0 ? 1 / d.wl.width : 0);
    gl.uniform1i(this.loc.cmap, d.colormap === 'diverging' ? 1 : d.colormap === 'sequential' ? 2 : 0);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }

  destroy(): void {
    const gl = this.gl;
    for (const t of this.texs) gl.deleteTexture(t.tex);
    gl.deleteProgram(this.prog);
    gl.deleteVertexArray(this.vao);
  }
}

function link(gl: WebGL2RenderingContext, vs: string, fs: string): WebGLProgram {
  const compile = (type: number, src: string): WebGLShader => {
    const s = gl.createShader(type);
    if (!s) throw new Error('no shader');
    gl.shaderSource(s, src);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(s) ?? 'shader compile failed');
    return s;
  };
  const p = gl.createProgram();
  if (!p) throw new Error('no program');
  gl.attachShader(p, compile(gl.VERTEX_SHADER, vs));
  gl.attachShader(p, compile(gl.FRAGMENT_SHADER, fs));
  gl.linkProgram(p);
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(p) ?? 'link failed');
  return p;
}

// ---------------------------------------------------------------------------
// Canvas2D

interface Raster {
  canvas: HTMLCanvasElement;
  data: Float32Array | null;
  wl: WindowLevel | null;
  colormap: Colormap | null;
}

class Canvas2dRenderer implements ImageRenderer {
  readonly kind = 'canvas2d' as const;
  private ctx: CanvasRenderingContext2D | null;
  private rasters: [Raster, Raster];
  private luts: Record<Colormap, Uint32Array> = { gray: colormapLut('gray'), diverging: colormapLut('diverging'), sequential: colormapLut('sequential') };

  constructor(private canvas: HTMLCanvasElement) {
    this.ctx = canvas.getContext('2d');
    const r = (): Raster => ({ canvas: document.createElement('canvas'), data: null, wl: null, colormap: null });
    this.rasters = [r(), r()];
  }

  private raster(i: 0 | 1, d: LayerDraw): HTMLCanvasElement {
    const r = this.rasters[i];
    const same = r.data === d.layer.data && r.colormap === d.colormap && r.wl?.width === d.wl.width && r.wl.level === d.wl.level;
    if (!same) {
      r.canvas.width = d.layer.width;
      r.canvas.height = d.layer.height;
      const c = r.canvas.getContext('2d');
      if (c) {
        const img = c.createImageData(d.layer.width, d.layer.height);
        applyWindow(d.layer.data, d.wl, this.luts[d.colormap], new Uint32Array(img.data.buffer));
        c.putImageData(img, 0, 0);
      }
      r.data = d.layer.data;
      r.wl = { ...d.wl };
      r.colormap = d.colormap;
    }
    return r.canvas;
  }

  draw(p: DrawParams): void {
    const ctx = this.ctx;
    if (!ctx) return;
    ctx.setTransform(p.dpr, 0, 0, p.dpr, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, p.cssWidth, p.cssHeight);
    if (!p.main) return;
    ctx.imageSmoothingEnabled = !p.nearest;
    const [l, t, w, h] = p.rect;
    ctx.drawImage(this.raster(0, p.main), l, t, w, h);
    if (p.second) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(p.second.fromX, 0, p.cssWidth - p.second.fromX, p.cssHeight);
      ctx.clip();
      ctx.fillRect(p.second.fromX, 0, p.cssWidth - p.second.fromX, p.cssHeight);
      ctx.drawImage(this.raster(1, p.second), l, t, w, h);
      ctx.restore();
    }
  }

  destroy(): void {
    this.canvas.width = 0;
  }
}
