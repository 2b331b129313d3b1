/*
 * FFTW anchor for bench/fft/run.ts: times a single-threaded 2D complex forward
 * FFT of n x n points with FFTW_MEASURE plans, in single (fftw3f) and double
 * (fftw3) precision, and prints one JSON line per library and size:
 *   {"lib":"fftw3f","n":256,"us_per_fft":123.4,"us_min":120.1,"reps":8000}
 * us_per_fft is the median over ~20 timed batches (robust to a busy machine),
 * us_min the fastest batch. Usage: fftw-bench [-t seconds] n [n ...]
 */
#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_BATCHES 4096

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Deterministic input; the values do not affect speed but keep it off denormals. */
static double input_value(size_t i) { return (double)((i * 2654435761u) % 1000u) / 1000.0 - 0.5; }

struct timing { double median_us, min_us; long reps; };

typedef void (*exec_fn)(void *plan);
static void exec_f(void *p) { fftwf_execute((fftwf_plan)p); }
static void exec_d(void *p) { fftw_execute((fftw_plan)p); }

/* Batches sized to ~1/20 of the budget, so the clock is read rarely. */
static struct timing time_plan(exec_fn exec, void *plan, double seconds) {
  static double per[MAX_BATCHES];
  long batch = 1;
  for (;;) {
    double t0 = now_s();
    for (long r = 0; r < batch; r++) exec(plan);
    if (now_s() - t0 >= seconds / 20.0 || batch >= (1L << 30)) break;
    batch *= 2;
  }
  int nb = 0;
  long reps = 0;
  double start = now_s();
  while ((now_s() - start < seconds || nb < 5) && nb < MAX_BATCHES) {
    double t0 = now_s();
    for (long r = 0; r < batch; r++) exec(plan);
    per[nb++] = 1e6 * (now_s() - t0) / (double)batch;
    reps += batch;
  }
  qsort(per, (size_t)nb, sizeof(double), cmp_double);
  struct timing t = { per[nb / 2], per[0], reps };
  return t;
}

static void report(const char *lib, int n, struct timing t) {
  printf("{\"lib\":\"%s\",\"n\":%d,\"us_per_fft\":%.3f,\"us_min\":%.3f,\"reps\":%ld}\n", lib, n, t.median_us, t.min_us, t.reps);
  fflush(stdout);
}

static void bench_float(int n, double seconds) {
  size_t len = (size_t)n * (size_t)n;
  fftwf_complex *in = fftwf_malloc(sizeof(fftwf_complex) * len);
  fftwf_complex *out = fftwf_malloc(sizeof(fftwf_complex) * len);
  if (!in || !out) { fprintf(stderr, "fftw-bench: out of memory at n=%d\n", n); exit(1); }
  /* FFTW_MEASURE overwrites the arrays while planning, so fill afterwards. */
  fftwf_plan p = fftwf_plan_dft_2d(n, n, in, out, FFTW_FORWARD, FFTW_MEASURE);
  for (size_t i = 0; i < len; i++) { in[i][0] = (float)input_value(2 * i); in[i][1] = (float)input_value(2 * i + 1); }
  for (int w = 0; w < 20; w++) fftwf_execute(p);
  report("fftw3f", n, time_plan(exec_f, p, seconds));
  fftwf_destroy_plan(p);
  fftwf_free(in);
  fftwf_free(out);
}

static void bench_double(int n, double seconds) {
  size_t len = (size_t)n * (size_t)n;
  fftw_complex *in = fftw_malloc(sizeof(fftw_complex) * len);
  fftw_complex *out = fftw_malloc(sizeof(fftw_complex) * len);
  if (!in || !out) { fprintf(stderr, "fftw-bench: out of memory at n=%d\n", n); exit(1); }
  fftw_plan p = fftw_plan_dft_2d(n, n, in, out, FFTW_FORWARD, FFTW_MEASURE);
  for (size_t i = 0; i < len; i++) { in[i][0] = input_value(2 * i); in[i][1] = input_value(2 * i + 1); }
  for (int w = 0; w < 20; w++) fftw_execute(p);
  report("fftw3", n, time_plan(exec_d, p, seconds));
  fftw_destroy_plan(p);
  fftw_free(in);
  fftw_free(out);
}

int main(int argc, char **argv) {
  double seconds = 1.0;
  int a = 1;
  if (a + 1 < argc && strcmp(argv[a], "-t") == 0) {
    seconds = atof(argv[a + 1]);
    a += 2;
    if (!(seconds > 0.0 && seconds < 600.0)) { fprintf(stderr, "fftw-bench: bad -t value\n"); return 2; }
  }
  if (a >= argc) { fprintf(stderr, "usage: fftw-bench [-t seconds] n [n ...]\n"); return 2; }
  for (; a < argc; a++) {
    char *end = NULL;
    long n = strtol(argv[a], &end, 10);
    if (!end || *end != '\0' || n < 1 || n > 8192) { fprintf(stderr, "fftw-bench: bad size '%s'\n", argv[a]); return 2; }
    bench_float((int)n, seconds);
    bench_double((int)n, seconds);
  }
  return 0;
}
