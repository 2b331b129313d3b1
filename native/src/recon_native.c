/*
 * recon_native: optional Node-API addon with the engine's hot kernels.
 * Every function here has a TypeScript twin and a parity test:
 *
 *   fft2cBatch(x, out, batch, ny, nx, inverse)
 *       electron/engine/fft/centered.ts fft2cBatch: centred orthonormal 2D
 *       FFT (or inverse) of `batch` consecutive [ny][nx] interleaved complex64
 *       planes, fftshift(FFT(ifftshift(p))) / sqrt(ny nx). out may be x.
 *   wavelet(c, py, px, levels, h, forward)
 *       electron/engine/linop/wavelet.ts transform(): in-place multi-level
 *       periodic 2D DWT (forward) or its transpose on a padded [py][px] plane,
 *       same Mallat layout, float64 accumulation like the twin. h: Float64Array
 *       of low-pass taps (passed from TS so both use the same numbers).
 *   senseForward / senseAdjoint / senseNormal(a, sens, mask, coils, ny, nx, out)
 *       electron/engine/linop/mri.ts senseOp (M F S), its adjoint and A^H A,
 *       fused per coil (see the SENSE section below).
 *   info() -> { fftw: version string, planner: "measure" | "estimate" }
 *
 * Arguments are checked in the TS wrappers (electron/engine/native.ts); here
 * only what could corrupt memory is checked (types and lengths).
 *
 * FFT strategy. For even ny and nx the shifts become sign patterns:
 *   fftshift(FFT(ifftshift(p)))[j] = (-1)^(j + n/2) FFT((-1)^m p)[j]
 * per axis, so each plane is modulated while copying into out (or in place),
 * transformed in place by FFTW in the caller's memory, and modulated again
 * while scaling: no scratch, and the plane (512 KiB at 256^2) stays in L2
 * between the three passes. Odd sizes gather through a scratch plane.
 * Plans: one 2D plan per (ny, nx, direction, alignment), executed plane by
 * plane with fftwf_execute_dft (so a batch is a loop over one cached plan and
 * the same plan serves every batch size). FFTW_MEASURE, since the solvers run
 * hundreds of transforms of one size; wisdom is not persisted.
 * RECON_FFTW_ESTIMATE=1 selects FFTW_ESTIMATE (faster start, slower runs).
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(call)                                                         \
  do {                                                                      \
    if ((call) != napi_ok) {                                                \
      napi_throw_error(env, NULL, "recon_native: N-API call failed: " #call); \
      return NULL;                                                          \
    }                                                                       \
  } while (0)

static napi_value throw_range(napi_env env, const char *msg) {
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

/* ------------------------------------------------------------------ plans */

typedef struct plan_entry {
  int ny, nx, sign, align;
  fftwf_plan plan;
  struct plan_entry *next;
} plan_entry;

/* The FFTW planner is not thread-safe (worker threads may load the addon). */
static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;
static plan_entry *plans = NULL;
static int planner_flags = -1;

static int flags(void) {
  if (planner_flags < 0) {
    const char *e = getenv("RECON_FFTW_ESTIMATE");
    planner_flags = (e && e[0] == '1') ? FFTW_ESTIMATE : FFTW_MEASURE;
  }
  return planner_flags;
}

/*
 * In-place 2D plan whose SIMD alignment matches `align` (fftwf_alignment_of
 * of the plane it will run on): planned on a fresh buffer offset by the same
 * amount, because FFTW_MEASURE overwrites its arrays.
 */
static fftwf_plan get_plan(int ny, int nx, int sign, int align) {
  pthread_mutex_lock(&planner_lock);
  for (plan_entry *e = plans; e; e = e->next) {
    if (e->ny == ny && e->nx == nx && e->sign == sign && e->align == align) {
      pthread_mutex_unlock(&planner_lock);
      return e->plan;
    }
  }
  size_t bytes = (size_t)ny * (size_t)nx * sizeof(fftwf_complex);
  char *raw = fftwf_malloc(bytes + 64);
  fftwf_plan p = NULL;
  if (raw) {
    fftwf_complex *buf = (fftwf_complex *)(raw + align);
    memset(buf, 0, bytes);
    p = fftwf_plan_dft_2d(ny, nx, buf, buf, sign, flags());
    fftwf_free(raw);
  }
  if (p) {
    plan_entry *e = malloc(sizeof *e);
    if (e) {
      *e = (plan_entry){ny, nx, sign, align, p, plans};
      plans = e;
    }
  }
  pthread_mutex_unlock(&planner_lock);
  return p;
}

/* Scratch plane for odd sizes, one per thread, grown on demand. */
static _Thread_local float *scratch = NULL;
static _Thread_local size_t scratch_floats = 0;

static float *get_scratch(size_t floats) {
  if (floats > scratch_floats) {
    fftwf_free(scratch);
    scratch = fftwf_malloc(floats * sizeof(float));
    scratch_floats = scratch ? floats : 0;
  }
  return scratch;
}

/* ------------------------------------------------------------------- FFT */

static void plane_even(const float *src, float *dst, int ny, int nx, fftwf_plan p, float scale) {
  /* Pre: dst = (-1)^(y+x) src. */
  for (int y = 0; y < ny; y++) {
    const float *s = src + 2 * (size_t)y * nx;
    float *d = dst + 2 * (size_t)y * nx;
    float a = (y & 1) ? -1.0f : 1.0f;
    for (int x = 0; x < nx; x += 2) {
      d[2 * x] = a * s[2 * x];
      d[2 * x + 1] = a * s[2 * x + 1];
      d[2 * x + 2] = -a * s[2 * x + 2];
      d[2 * x + 3] = -a * s[2 * x + 3];
    }
  }
  fftwf_execute_dft(p, (fftwf_complex *)dst, (fftwf_complex *)dst);
  /* Post: dst *= scale (-1)^(y + x + ny/2 + nx/2). */
  float base = (((ny >> 1) + (nx >> 1)) & 1) ? -scale : scale;
  for (int y = 0; y < ny; y++) {
    float *d = dst + 2 * (size_t)y * nx;
    float a = (y & 1) ? -base : base;
    for (int x = 0; x < nx; x += 2) {
      d[2 * x] *= a;
      d[2 * x + 1] *= a;
      d[2 * x + 2] *= -a;
      d[2 * x + 3] *= -a;
    }
  }
}

/* Any size: ifftshift-gather into scratch, transform, fftshift-scatter with scale. */
static void plane_general(const float *src, float *dst, int ny, int nx, fftwf_plan p, float scale, float *work) {
  int hy = ny >> 1, hx = nx >> 1;
  for (int y = 0; y < ny; y++) {
    const float *s = src + 2 * (size_t)((y + hy) % ny) * nx;
    float *w = work + 2 * (size_t)y * nx;
    for (int x = 0; x < nx; x++) {
      int sx = (x + hx) % nx;
      w[2 * x] = s[2 * sx];
      w[2 * x + 1] = s[2 * sx + 1];
    }
  }
  fftwf_execute_dft(p, (fftwf_complex *)work, (fftwf_complex *)work);
  for (int y = 0; y < ny; y++) {
    float *d = dst + 2 * (size_t)((y + hy) % ny) * nx;
    const float *w = work + 2 * (size_t)y * nx;
    for (int x = 0; x < nx; x++) {
      int dx = (x + hx) % nx;
      d[2 * dx] = scale * w[2 * x];
      d[2 * dx + 1] = scale * w[2 * x + 1];
    }
  }
}

static int get_f32(napi_env env, napi_value v, float **data, size_t *len) {
  napi_valuetype t;
  bool is_ta = false;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_object) return 0;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return 0;
  napi_typedarray_type type;
  void *ptr;
  if (napi_get_typedarray_info(env, v, &type, len, &ptr, NULL, NULL) != napi_ok) return 0;
  if (type != napi_float32_array) return 0;
  *data = ptr;
  return 1;
}

static int get_int(napi_env env, napi_value v, int *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return 0;
  if (!(d >= 1 && d <= 1 << 24) || d != floor(d)) return 0;
  *out = (int)d;
  return 1;
}

static napi_value fft2c_batch(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 6) return throw_range(env, "fft2cBatch(x, out, batch, ny, nx, inverse): 6 arguments expected");
  float *x, *out;
  size_t xl, ol;
  int batch, ny, nx;
  bool inverse;
  if (!get_f32(env, argv[0], &x, &xl) || !get_f32(env, argv[1], &out, &ol)) return throw_range(env, "fft2cBatch: x and out must be Float32Arrays");
  if (!get_int(env, argv[2], &batch) || !get_int(env, argv[3], &ny) || !get_int(env, argv[4], &nx)) return throw_range(env, "fft2cBatch: batch, ny, nx must be positive integers");
  CHECK(napi_get_value_bool(env, argv[5], &inverse));
  size_t plane = 2 * (size_t)ny * (size_t)nx;
  if (xl != plane * (size_t)batch || ol != xl) return throw_range(env, "fft2cBatch: array lengths do not match batch x ny x nx complex values");
  int sign = inverse ? FFTW_BACKWARD : FFTW_FORWARD;
  float scale = (float)(1.0 / sqrt((double)ny * (double)nx));
  int even = !(ny & 1) && !(nx & 1);
  float *work = NULL;
  if (!even && !(work = get_scratch(plane))) {
    napi_throw_error(env, NULL, "fft2cBatch: out of memory");
    return NULL;
  }
  for (int b = 0; b < batch; b++) {
    const float *s = x + (size_t)b * plane;
    float *d = out + (size_t)b * plane;
    fftwf_plan p = get_plan(ny, nx, sign, even ? fftwf_alignment_of(d) : fftwf_alignment_of(work));
    if (!p) {
      napi_throw_error(env, NULL, "fft2cBatch: FFTW could not make a plan");
      return NULL;
    }
    if (even) plane_even(s, d, ny, nx, p, scale);
    else plane_general(s, d, ny, nx, p, scale, work);
  }
  return NULL;
}

/* ----------------------------------------------------------------- SENSE */

/*
 * The SENSE model A = M F S of linop/mri.ts (senseOp) fused per coil, so each
 * coil plane is multiplied, transformed and masked while it sits in cache and
 * no intermediate [coil][y][x] array is made:
 *   senseForward(x, sens, mask, coils, ny, nx, out)  out[c] = M fftc2(S_c x)
 *   senseAdjoint(k, sens, mask, coils, ny, nx, out)  out = sum_c conj(S_c) ifftc2(M k[c])
 *   senseNormal(x, sens, mask, coils, ny, nx, out)   out = A^H A x (two FFTs per coil, one scratch plane)
 * Masked-out entries are exactly zero (maskOp's convention).
 */

/* dst = S_c x (complex multiply), premodulated by (-1)^(y+x) when `mod`. */
static void coil_mul(const float *s, const float *x, float *dst, int ny, int nx, int mod) {
  for (int y = 0; y < ny; y++) {
    float a = (mod && (y & 1)) ? -1.0f : 1.0f;
    size_t o = 2 * (size_t)y * nx;
    for (int i = 0; i < nx; i++) {
      size_t j = o + 2 * (size_t)i;
      float sr = s[j], si = s[j + 1], xr = x[j], xi = x[j + 1];
      float f = (mod && (i & 1)) ? -a : a;
      dst[j] = f * (sr * xr - si * xi);
      dst[j + 1] = f * (sr * xi + si * xr);
    }
  }
}

/* dst = mask * dst * scale * (-1)^(y+x+ny/2+nx/2) (the even post-modulation) or mask * dst. */
static void post_mask(float *d, const float *mask, int ny, int nx, float scale, int mod) {
  float base = (mod && (((ny >> 1) + (nx >> 1)) & 1)) ? -scale : scale;
  for (int y = 0; y < ny; y++) {
    float a = (mod && (y & 1)) ? -base : base;
    size_t o = (size_t)y * nx;
    for (int i = 0; i < nx; i++) {
      float m = mask[o + i];
      float f = (mod && (i & 1)) ? -a : a;
      size_t j = 2 * (o + i);
      if (m != 0.0f) { d[j] *= m * f; d[j + 1] *= m * f; }
      else { d[j] = 0.0f; d[j + 1] = 0.0f; }
    }
  }
}

/* Centred orthonormal FFT of one plane in place (either parity); scratch needed for odd sizes. */
static void plane_fft(float *d, int ny, int nx, int sign, float *work) {
  float scale = (float)(1.0 / sqrt((double)ny * (double)nx));
  int even = !(ny & 1) && !(nx & 1);
  fftwf_plan p = get_plan(ny, nx, sign, even ? fftwf_alignment_of(d) : fftwf_alignment_of(work));
  if (even) plane_even(d, d, ny, nx, p, scale);
  else plane_general(d, d, ny, nx, p, scale, work);
}

typedef struct { float *a, *sens, *mask, *out; int coils, ny, nx; } sense_args;

static int sense_parse(napi_env env, napi_callback_info info, sense_args *s, int a_is_image) {
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 7) {
    napi_throw_range_error(env, NULL, "sense*(a, sens, mask, coils, ny, nx, out): 7 arguments expected");
    return 0;
  }
  size_t al, sl, ml, ol;
  if (!get_f32(env, argv[0], &s->a, &al) || !get_f32(env, argv[1], &s->sens, &sl) || !get_f32(env, argv[2], &s->mask, &ml) || !get_f32(env, argv[6], &s->out, &ol)) {
    napi_throw_range_error(env, NULL, "sense*: a, sens, mask and out must be Float32Arrays");
    return 0;
  }
  if (!get_int(env, argv[3], &s->coils) || !get_int(env, argv[4], &s->ny) || !get_int(env, argv[5], &s->nx)) {
    napi_throw_range_error(env, NULL, "sense*: coils, ny, nx must be positive integers");
    return 0;
  }
  size_t plane = (size_t)s->ny * (size_t)s->nx, img = 2 * plane, ks = 2 * plane * (size_t)s->coils;
  int ok = sl == ks && ml == plane && al == (a_is_image == 1 ? img : a_is_image == 0 ? ks : img) && ol == (a_is_image == 0 ? img : a_is_image == 1 ? ks : img);
  if (!ok) {
    napi_throw_range_error(env, NULL, "sense*: array lengths do not match coils x ny x nx");
    return 0;
  }
  if ((void *)s->out == (void *)s->a) {
    napi_throw_range_error(env, NULL, "sense*: out must not be the input array");
    return 0;
  }
  return 1;
}

/* scratch planes: [0] for the coil data, [1] for odd-size FFT gathers. */
static float *sense_scratch(size_t plane_floats) {
  return get_scratch(2 * plane_floats);
}

static napi_value sense_forward(napi_env env, napi_callback_info info) {
  sense_args s;
  if (!sense_parse(env, info, &s, 1)) return NULL;
  size_t pf = 2 * (size_t)s.ny * s.nx;
  int even = !(s.ny & 1) && !(s.nx & 1);
  float *work = even ? NULL : sense_scratch(pf);
  if (!even && !work) { napi_throw_error(env, NULL, "senseForward: out of memory"); return NULL; }
  float scale = (float)(1.0 / sqrt((double)s.ny * (double)s.nx));
  for (int c = 0; c < s.coils; c++) {
    float *d = s.out + c * pf;
    if (even) {
      coil_mul(s.sens + c * pf, s.a, d, s.ny, s.nx, 1);
      fftwf_plan p = get_plan(s.ny, s.nx, FFTW_FORWARD, fftwf_alignment_of(d));
      if (!p) { napi_throw_error(env, NULL, "senseForward: FFTW could not make a plan"); return NULL; }
      fftwf_execute_dft(p, (fftwf_complex *)d, (fftwf_complex *)d);
      post_mask(d, s.mask, s.ny, s.nx, scale, 1);
    } else {
      coil_mul(s.sens + c * pf, s.a, d, s.ny, s.nx, 0);
      plane_fft(d, s.ny, s.nx, FFTW_FORWARD, work + pf);
      post_mask(d, s.mask, s.ny, s.nx, 1.0f, 0);
    }
  }
  return NULL;
}

/* out (+)= conj(S_c) w for one coil; `first` overwrites instead of accumulating. */
static void coil_conj_acc(const float *sc, const float *w, float *out, size_t plane, int first) {
  for (size_t j = 0; j < 2 * plane; j += 2) {
    float sr = sc[j], si = sc[j + 1], wr = w[j], wi = w[j + 1];
    float re = sr * wr + si * wi, im = sr * wi - si * wr;
    if (first) { out[j] = re; out[j + 1] = im; }
    else { out[j] += re; out[j + 1] += im; }
  }
}

/* w = M k_c (M^2 k_c when `twice`: A^H A masks on the way out and back in), then ifftc2(w) in place. */
static void masked_ifft(const float *kc, const float *mask, float *w, int ny, int nx, float *work, int twice) {
  size_t plane = (size_t)ny * nx;
  for (size_t i = 0; i < plane; i++) {
    float m = twice ? mask[i] * mask[i] : mask[i];
    if (m != 0.0f) { w[2 * i] = m * kc[2 * i]; w[2 * i + 1] = m * kc[2 * i + 1]; }
    else { w[2 * i] = 0.0f; w[2 * i + 1] = 0.0f; }
  }
  plane_fft(w, ny, nx, FFTW_BACKWARD, work);
}

/*
 * Even sizes: the sign patterns around consecutive transforms cancel. After
 * a forward FFT of premodulated data, the post-modulation (-1)^(y+x+ny/2+nx/2)
 * of the forward and the pre-modulation (-1)^(y+x) of the inverse multiply to
 * the constant (-1)^(ny/2+nx/2), so A^H A needs one pass between the two FFTs;
 * the inverse's own post-modulation is folded into the conj(S) accumulation.
 */
static float even_sign(int ny, int nx) { return (((ny >> 1) + (nx >> 1)) & 1) ? -1.0f : 1.0f; }

/* w = f · m(^2) · k_c, with f = scale_sign (the caller's constant) times the pre-modulation when `premod`. */
static void even_mask_pass(const float *kc, const float *mask, float *w, int ny, int nx, float f0, int twice, int premod) {
  for (int y = 0; y < ny; y++) {
    float a = (premod && (y & 1)) ? -f0 : f0;
    size_t o = (size_t)y * nx;
    for (int i = 0; i < nx; i++) {
      float m = twice ? mask[o + i] * mask[o + i] : mask[o + i];
      float f = (premod && (i & 1)) ? -a : a;
      size_t j = 2 * (o + i);
      if (m != 0.0f) { w[j] = (m * f) * kc[j]; w[j + 1] = (m * f) * kc[j + 1]; }
      else { w[j] = 0.0f; w[j + 1] = 0.0f; }
    }
  }
}

/* out (+)= conj(S_c) · scale (-1)^(y+x+ny/2+nx/2) · w: the inverse FFT's post-modulation fused in. */
static void even_conj_acc(const float *sc, const float *w, float *out, int ny, int nx, float scale, int first) {
  float base = even_sign(ny, nx) * scale;
  for (int y = 0; y < ny; y++) {
    float a = (y & 1) ? -base : base;
    size_t o = 2 * (size_t)y * nx;
    for (int i = 0; i < nx; i++) {
      float f = (i & 1) ? -a : a;
      size_t j = o + 2 * (size_t)i;
      float sr = sc[j], si = sc[j + 1], wr = f * w[j], wi = f * w[j + 1];
      float re = sr * wr + si * wi, im = sr * wi - si * wr;
      if (first) { out[j] = re; out[j + 1] = im; }
      else { out[j] += re; out[j + 1] += im; }
    }
  }
}

static napi_value sense_adjoint(napi_env env, napi_callback_info info) {
  sense_args s;
  if (!sense_parse(env, info, &s, 0)) return NULL;
  size_t plane = (size_t)s.ny * s.nx, pf = 2 * plane;
  float *scr = sense_scratch(pf);
  if (!scr) { napi_throw_error(env, NULL, "senseAdjoint: out of memory"); return NULL; }
  int even = !(s.ny & 1) && !(s.nx & 1);
  float scale = (float)(1.0 / sqrt((double)s.ny * (double)s.nx));
  for (int c = 0; c < s.coils; c++) {
    if (even) {
      fftwf_plan p = get_plan(s.ny, s.nx, FFTW_BACKWARD, fftwf_alignment_of(scr));
      if (!p) { napi_throw_error(env, NULL, "senseAdjoint: FFTW could not make a plan"); return NULL; }
      even_mask_pass(s.a + c * pf, s.mask, scr, s.ny, s.nx, 1.0f, 0, 1);
      fftwf_execute_dft(p, (fftwf_complex *)scr, (fftwf_complex *)scr);
      even_conj_acc(s.sens + c * pf, scr, s.out, s.ny, s.nx, scale, c == 0);
    } else {
      masked_ifft(s.a + c * pf, s.mask, scr, s.ny, s.nx, scr + pf, 0);
      coil_conj_acc(s.sens + c * pf, scr, s.out, plane, c == 0);
    }
  }
  return NULL;
}

static napi_value sense_normal(napi_env env, napi_callback_info info) {
  sense_args s;
  if (!sense_parse(env, info, &s, 2)) return NULL;
  size_t plane = (size_t)s.ny * s.nx, pf = 2 * plane;
  float *scr = sense_scratch(pf);
  if (!scr) { napi_throw_error(env, NULL, "senseNormal: out of memory"); return NULL; }
  int even = !(s.ny & 1) && !(s.nx & 1);
  float scale = (float)(1.0 / sqrt((double)s.ny * (double)s.nx));
  for (int c = 0; c < s.coils; c++) {
    const float *sc = s.sens + c * pf;
    if (even) {
      fftwf_plan pf_ = get_plan(s.ny, s.nx, FFTW_FORWARD, fftwf_alignment_of(scr));
      fftwf_plan pb = get_plan(s.ny, s.nx, FFTW_BACKWARD, fftwf_alignment_of(scr));
      if (!pf_ || !pb) { napi_throw_error(env, NULL, "senseNormal: FFTW could not make a plan"); return NULL; }
      coil_mul(sc, s.a, scr, s.ny, s.nx, 1);
      fftwf_execute_dft(pf_, (fftwf_complex *)scr, (fftwf_complex *)scr);
      even_mask_pass(scr, s.mask, scr, s.ny, s.nx, scale * even_sign(s.ny, s.nx), 1, 0);
      fftwf_execute_dft(pb, (fftwf_complex *)scr, (fftwf_complex *)scr);
      even_conj_acc(sc, scr, s.out, s.ny, s.nx, scale, c == 0);
    } else {
      coil_mul(sc, s.a, scr, s.ny, s.nx, 0);
      plane_fft(scr, s.ny, s.nx, FFTW_FORWARD, scr + pf);
      masked_ifft(scr, s.mask, scr, s.ny, s.nx, scr + pf, 1);
      coil_conj_acc(sc, scr, s.out, plane, c == 0);
    }
  }
  return NULL;
}

/* --------------------------------------------------------------- wavelet */

/* One periodic analysis / synthesis pass on a complex line; mirrors pass1d in wavelet.ts. */
static void pass1d(double *line, double *tmp, int n, const double *h, const double *g, int L, int forward) {
  int half = n >> 1;
  if (forward) {
    for (int k = 0; k < half; k++) {
      double ar = 0, ai = 0, dr = 0, di = 0;
      int wrap = 2 * k + L > n;
      for (int j = 0; j < L; j++) {
        int idx = wrap ? (2 * k + j) % n : 2 * k + j;
        double xr = line[2 * idx], xi = line[2 * idx + 1];
        ar += h[j] * xr; ai += h[j] * xi;
        dr += g[j] * xr; di += g[j] * xi;
      }
      tmp[2 * k] = ar; tmp[2 * k + 1] = ai;
      tmp[2 * (half + k)] = dr; tmp[2 * (half + k) + 1] = di;
    }
  } else {
    memset(tmp, 0, 2 * (size_t)n * sizeof(double));
    for (int k = 0; k < half; k++) {
      double ar = line[2 * k], ai = line[2 * k + 1];
      double dr = line[2 * (half + k)], di = line[2 * (half + k) + 1];
      int wrap = 2 * k + L > n;
      for (int j = 0; j < L; j++) {
        int idx = wrap ? (2 * k + j) % n : 2 * k + j;
        tmp[2 * idx] += h[j] * ar + g[j] * dr;
        tmp[2 * idx + 1] += h[j] * ai + g[j] * di;
      }
    }
  }
  memcpy(line, tmp, 2 * (size_t)n * sizeof(double));
}

static void wavelet_rows(float *c, int hy, int hx, int px, double *line, double *tmp, const double *h, const double *g, int L, int forward) {
  for (int y = 0; y < hy; y++) {
    float *r = c + 2 * (size_t)y * px;
    for (int i = 0; i < 2 * hx; i++) line[i] = r[i];
    pass1d(line, tmp, hx, h, g, L, forward);
    for (int i = 0; i < 2 * hx; i++) r[i] = (float)line[i];
  }
}

static void wavelet_cols(float *c, int hy, int hx, int px, double *line, double *tmp, const double *h, const double *g, int L, int forward) {
  for (int x = 0; x < hx; x++) {
    for (int y = 0; y < hy; y++) {
      line[2 * y] = c[2 * ((size_t)y * px + x)];
      line[2 * y + 1] = c[2 * ((size_t)y * px + x) + 1];
    }
    pass1d(line, tmp, hy, h, g, L, forward);
    for (int y = 0; y < hy; y++) {
      c[2 * ((size_t)y * px + x)] = (float)line[2 * y];
      c[2 * ((size_t)y * px + x) + 1] = (float)line[2 * y + 1];
    }
  }
}

static napi_value wavelet(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 6) return throw_range(env, "wavelet(c, py, px, levels, h, forward): 6 arguments expected");
  float *c;
  size_t cl;
  int py, px, levels;
  bool forward;
  if (!get_f32(env, argv[0], &c, &cl)) return throw_range(env, "wavelet: c must be a Float32Array");
  if (!get_int(env, argv[1], &py) || !get_int(env, argv[2], &px) || !get_int(env, argv[3], &levels)) return throw_range(env, "wavelet: py, px, levels must be positive integers");
  bool is_ta = false;
  napi_typedarray_type type;
  size_t L;
  void *hp;
  CHECK(napi_is_typedarray(env, argv[4], &is_ta));
  if (!is_ta) return throw_range(env, "wavelet: h must be a Float64Array");
  CHECK(napi_get_typedarray_info(env, argv[4], &type, &L, &hp, NULL, NULL));
  if (type != napi_float64_array || L < 2 || L > 64) return throw_range(env, "wavelet: h must be a Float64Array of 2..64 taps");
  CHECK(napi_get_value_bool(env, argv[5], &forward));
  if (cl != 2 * (size_t)py * (size_t)px) return throw_range(env, "wavelet: c length does not match py x px complex values");
  if (levels > 30 || (py % (1 << levels)) || (px % (1 << levels))) return throw_range(env, "wavelet: py and px must be multiples of 2^levels");
  const double *h = hp;
  double g[64];
  /* g[j] = (-1)^j h[L-1-j], the quadrature mirror filter, as in wavelet.ts. */
  for (size_t j = 0; j < L; j++) g[j] = ((j & 1) ? -1.0 : 1.0) * h[L - 1 - j];
  int m = py > px ? py : px;
  double *line = malloc(4 * (size_t)m * sizeof(double));
  if (!line) {
    napi_throw_error(env, NULL, "wavelet: out of memory");
    return NULL;
  }
  double *tmp = line + 2 * (size_t)m;
  for (int i = 0; i < levels; i++) {
    int lev = forward ? i : levels - 1 - i;
    int hy = py >> lev, hx = px >> lev;
    if (forward) {
      wavelet_rows(c, hy, hx, px, line, tmp, h, g, (int)L, 1);
      wavelet_cols(c, hy, hx, px, line, tmp, h, g, (int)L, 1);
    } else {
      wavelet_cols(c, hy, hx, px, line, tmp, h, g, (int)L, 0);
      wavelet_rows(c, hy, hx, px, line, tmp, h, g, (int)L, 0);
    }
  }
  free(line);
  return NULL;
}

/* ------------------------------------------------------------------ info */

static napi_value info_fn(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj, v;
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_create_string_utf8(env, fftwf_version, NAPI_AUTO_LENGTH, &v));
  CHECK(napi_set_named_property(env, obj, "fftw", v));
  CHECK(napi_create_string_utf8(env, flags() == FFTW_MEASURE ? "measure" : "estimate", NAPI_AUTO_LENGTH, &v));
  CHECK(napi_set_named_property(env, obj, "planner", v));
  return obj;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    {"fft2cBatch", NULL, fft2c_batch, NULL, NULL, NULL, napi_enumerable, NULL},
    {"senseForward", NULL, sense_forward, NULL, NULL, NULL, napi_enumerable, NULL},
    {"senseAdjoint", NULL, sense_adjoint, NULL, NULL, NULL, napi_enumerable, NULL},
    {"senseNormal", NULL, sense_normal, NULL, NULL, NULL, napi_enumerable, NULL},
    {"wavelet", NULL, wavelet, NULL, NULL, NULL, napi_enumerable, NULL},
    {"info", NULL, info_fn, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
