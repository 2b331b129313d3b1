/**
 * The workspace protocol: how a renderer talks to the compute host, whatever
 * carries the bytes (Electron: a MessagePort brokered by main; browser mode:
 * a WebSocket relayed by electron/server; tests: child_process IPC).
 *
 *   client -> host   { kind: 'call', id, method, params }
 *   host -> client   { kind: 'result', id, result } | { kind: 'error', id, message }
 *   host -> client   { kind: 'event', event }            (job state, progress, previews)
 *
 * Pixel data is never JSON: every image travels as an ArrayBuffer inside the
 * message (transferred on a MessagePort, structured-cloned over Node IPC with
 * serialization 'advanced', packed as binary WebSocket frames by wire.ts).
 *
 * The host validates every call's params with the schemas below (the renderer
 * is not trusted), and the client validates results in development builds.
 * Objects are strict: an unexpected field is an error.
 */
import { z } from 'zod';
import { AppInfoSchema } from './schemas';

const id = z.string().min(1).max(128);
const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const nonNeg = z.number().int().nonnegative();
const buffer = z.instanceof(ArrayBuffer);

// ---------------------------------------------------------------------------
// Images.

/** A 2D float image (row-major [y][x]) as it travels: one slice, never a volume. */
export const SliceImageSchema = z.strictObject({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Float32Array's buffer, width*height values. */
  data: buffer,
  /** Range of the whole volume this slice belongs to (so W/L is stable while scrolling). */
  min: finite,
  max: finite,
  /** Physical pixel size in mm [dy, dx] when known (for aspect and rulers). */
  spacing: z.tuple([finite, finite]).optional(),
});
export type SliceImage = z.infer<typeof SliceImageSchema>;

/** 0/1 (or 0..255) 8-bit image, e.g. a sampling mask. */
export const ByteImageSchema = z.strictObject({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  data: buffer,
});
export type ByteImage = z.infer<typeof ByteImageSchema>;

/** What a viewport can show. */
export const ImageRefSchema = z.discriminatedUnion('kind', [
  /** The dataset as loaded (image magnitude; for k-space input, the fully sampled RSS or its reference). */
  z.strictObject({ kind: z.literal('dataset'), datasetId: id }),
  /** A finished (or running: latest preview) job's magnitude image. */
  z.strictObject({ kind: z.literal('result'), jobId: id }),
  /** Per-pixel standard deviation over samples, for methods that draw several. */
  z.strictObject({ kind: z.literal('uncertainty'), jobId: id }),
]);
export type ImageRef = z.infer<typeof ImageRefSchema>;

// ---------------------------------------------------------------------------
// Datasets.

export const DatasetInfoSchema = z.strictObject({
  id,
  /** Short display name (series description, file name). */
  name: z.string(),
  /** Where it came from (path on the host's disk, or the uploaded file name). */
  path: z.string(),
  format: z.string(),
  kind: z.enum(['image', 'kspace']),
  slices: z.number().int().positive(),
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  /** Receive coils for k-space input; 1 for images. */
  coils: z.number().int().positive(),
  /** k-space input that carries its own undersampling (mask or zero lines). */
  undersampled: z.boolean(),
  /** Achieved acceleration of the file's own sampling, when undersampled. */
  fileAccel: finite.optional(),
  hasReference: z.boolean(),
  spacing: z.tuple([finite, finite]).optional(),
  /** Display metadata: patient, modality, series description, TR/TE, ... (strings only). */
  meta: z.record(z.string(), z.string()),
  notes: z.array(z.string()),
});
export type DatasetInfo = z.infer<typeof DatasetInfoSchema>;

export const OpenResultSchema = z.strictObject({
  datasets: z.array(DatasetInfoSchema),
  /** Files or folders that could not be opened, each with the reason in words. */
  errors: z.array(z.strictObject({ path: z.string(), message: z.string().min(1) })),
  notes: z.array(z.string()),
});
export type OpenResult = z.infer<typeof OpenResultSchema>;

// ---------------------------------------------------------------------------
// Acquisition (how the k-space is undersampled).

export const MaskKindSchema = z.enum(['equispaced', 'equispaced-fraction', 'random', 'poisson']);
export type MaskKind = z.infer<typeof MaskKindSchema>;

export const AcquisitionSchema = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('simulate'),
    mask: MaskKindSchema,
    accel: finite.refine((v) => v > 1 && v <= 64, 'acceleration must be in (1, 64]'),
    /** Line masks: fully sampled centre fraction. */
    centerFraction: finite.refine((v) => v >= 0 && v < 1, 'centre fraction must be in [0, 1)'),
    /** Poisson: side of the calibration square. */
    calib: z.number().int().min(0).max(512),
    seed: z.number().int().min(0).max(2 ** 31 - 1),
    coils: z.number().int().min(1).max(32),
    /** Image-domain SNR; null = noiseless. */
    snr: finite.refine((v) => v > 0, 'SNR must be positive').nullable(),
  }),
  /** k-space input: keep the file's own undersampling. */
  z.strictObject({ mode: z.literal('file') }),
]);
export type Acquisition = z.infer<typeof AcquisitionSchema>;

export const AcquisitionPreviewSchema = z.strictObject({
  mask: ByteImageSchema,
  /** log(1 + |k|) of the undersampled k-space of the asked slice (coil RSS), normalised to [0, 1]. */
  kspace: SliceImageSchema,
  /** Zero-filled magnitude of that slice. */
  zeroFilled: SliceImageSchema,
  accel: finite,
  sampledFraction: finite,
  notes: z.array(z.string()),
});
export type AcquisitionPreview = z.infer<typeof AcquisitionPreviewSchema>;

// ---------------------------------------------------------------------------
// Methods describe their own options; the method panel is generated from this.

const OptionBase = {
  key: z.string().min(1),
  label: z.string().min(1),
  help: z.string().optional(),
  /** Shown only when another option has one of these values (e.g. TV type only for reg = tv). */
  visibleWhen: z.strictObject({ key: z.string(), values: z.array(z.union([z.string(), z.number(), z.boolean()])) }).optional(),
  /** Less common options go under "Advanced". */
  advanced: z.boolean().optional(),
};

export const OptionFieldSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...OptionBase, type: z.literal('number'), default: finite, min: finite.optional(), max: finite.optional(), step: finite.optional(), log: z.boolean().optional() }),
  z.strictObject({ ...OptionBase, type: z.literal('integer'), default: z.number().int(), min: z.number().int().optional(), max: z.number().int().optional() }),
  z.strictObject({ ...OptionBase, type: z.literal('boolean'), default: z.boolean() }),
  z.strictObject({
    ...OptionBase,
    type: z.literal('enum'),
    default: z.string(),
    /** hint: a line shown under the field while that choice is selected (e.g. a model's unrolling and held-out quality). */
    choices: z.array(z.strictObject({ value: z.string(), label: z.string(), hint: z.string().optional() })).min(1),
  }),
]);
export type OptionField = z.infer<typeof OptionFieldSchema>;

export const OptionValuesSchema = z.record(z.string(), z.union([finite, z.string().max(256), z.boolean()]));
export type OptionValues = z.infer<typeof OptionValuesSchema>;

export const MethodInfoSchema = z.strictObject({
  id,
  label: z.string().min(1),
  description: z.string(),
  /** direct: one pass; iterative: has a convergence history; learned: ONNX model; sampling: draws samples. */
  family: z.enum(['direct', 'iterative', 'learned', 'sampling']),
  options: z.array(OptionFieldSchema),
  presets: z.array(z.strictObject({ id, label: z.string().min(1), values: OptionValuesSchema })),
  /** False with a reason when the method cannot run here (e.g. a model file missing). */
  available: z.boolean(),
  unavailableReason: z.string().optional(),
});
export type MethodInfo = z.infer<typeof MethodInfoSchema>;

// ---------------------------------------------------------------------------
// Jobs.

export const JobStateSchema = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
export type JobState = z.infer<typeof JobStateSchema>;

export const MetricsSchema = z.strictObject({
  dataRange: finite,
  perSlice: z.array(z.strictObject({ slice: nonNeg, nmse: finite, psnr: finite, ssim: finite })),
  volume: z.strictObject({ nmse: finite, psnr: finite, ssim: finite }),
});
export type Metrics = z.infer<typeof MetricsSchema>;

export const HistoryRowSchema = z.strictObject({
  slice: nonNeg,
  iteration: nonNeg,
  objective: finite.optional(),
  residual: finite.optional(),
  stepSize: finite.optional(),
  elapsedMs: finite,
  psnr: finite.optional(),
  ssim: finite.optional(),
});
export type HistoryRow = z.infer<typeof HistoryRowSchema>;

export const JobInfoSchema = z.strictObject({
  id,
  datasetId: id,
  method: id,
  /** e.g. "CS · wavelet λ=0.01 · FISTA", for viewport titles. */
  label: z.string(),
  options: OptionValuesSchema,
  acquisition: AcquisitionSchema,
  /** Half-open slice range of the dataset this job reconstructs. */
  slices: z.tuple([nonNeg, nonNeg]),
  state: JobStateSchema,
  /** 0..1 */
  fraction: finite,
  message: z.string(),
  etaMs: finite.optional(),
  queuedAt: finite,
  startedAt: finite.optional(),
  finishedAt: finite.optional(),
  error: z.string().optional(),
  metrics: MetricsSchema.optional(),
  notes: z.array(z.string()),
  /** JSON provenance (method, options, seed, mask hash, model hash, engine version). */
  provenance: z.record(z.string(), z.unknown()).optional(),
  retryOf: id.optional(),
  /** Achieved acceleration of the mask used. */
  accel: finite.optional(),
  /** True when the finished job has a per-pixel SD map (ImageRef kind 'uncertainty'). */
  uncertainty: z.boolean().optional(),
});
export type JobInfo = z.infer<typeof JobInfoSchema>;

export const JobRequestSchema = z.strictObject({ method: id, options: OptionValuesSchema });
export type JobRequest = z.infer<typeof JobRequestSchema>;

// ---------------------------------------------------------------------------
// Calls: method name -> params and result.

const empty = z.strictObject({});

export const workspaceCalls = {
  info: { params: empty, result: AppInfoSchema },
  methods: { params: empty, result: z.array(MethodInfoSchema) },
  /** Open files or folders on the host's disk (dialog, drag-and-drop in Electron, a path typed in browser mode). */
  open: { params: z.strictObject({ paths: z.array(z.string().min(1).max(4096)).min(1).max(1000) }), result: OpenResultSchema },
  /** Files dropped into a browser: the bytes travel, the host stages them in a private temp folder and opens them. */
  upload: {
    params: z.strictObject({
      files: z.array(z.strictObject({ name: z.string().min(1).max(1024), data: buffer })).min(1).max(5000),
    }),
    result: OpenResultSchema,
  },
  datasets: { params: empty, result: z.array(DatasetInfoSchema) },
  closeDataset: { params: z.strictObject({ datasetId: id }), result: z.strictObject({ closed: z.boolean() }) },
  /** One slice of an image; maxSize > 0 downsamples (thumbnails). */
  slice: {
    params: z.strictObject({ ref: ImageRefSchema, index: nonNeg, maxSize: z.number().int().min(16).max(4096).optional() }),
    result: SliceImageSchema,
  },
  previewAcquisition: {
    params: z.strictObject({ datasetId: id, acquisition: AcquisitionSchema, index: nonNeg }),
    result: AcquisitionPreviewSchema,
  },
  /** Queue one job per requested method on the same data and acquisition. */
  submit: {
    params: z.strictObject({
      datasetId: id,
      acquisition: AcquisitionSchema,
      slices: z.tuple([nonNeg, nonNeg]),
      jobs: z.array(JobRequestSchema).min(1).max(32),
    }),
    result: z.strictObject({ jobIds: z.array(id) }),
  },
  jobs: { params: empty, result: z.array(JobInfoSchema) },
  cancel: { params: z.strictObject({ jobId: id }), result: z.strictObject({ cancelled: z.boolean() }) },
  /** Queue the same spec again (a failed or cancelled job, or a done one to rerun). */
  retry: { params: z.strictObject({ jobId: id }), result: z.strictObject({ jobId: id }) },
  removeJob: { params: z.strictObject({ jobId: id }), result: z.strictObject({ removed: z.boolean() }) },
  history: { params: z.strictObject({ jobId: id }), result: z.array(HistoryRowSchema) },
  /** A sampling job's σ map as a float32 NIfTI (.nii) of every reconstructed slice, placed like the source volume. */
  uncertaintyNifti: {
    params: z.strictObject({ jobId: id }),
    result: z.strictObject({ name: z.string().min(1).max(256), data: buffer }),
  },
} as const satisfies Record<string, { params: z.ZodType; result: z.ZodType }>;

export type WorkspaceMethod = keyof typeof workspaceCalls;
export type CallParams<M extends WorkspaceMethod> = z.infer<(typeof workspaceCalls)[M]['params']>;
export type CallResult<M extends WorkspaceMethod> = z.infer<(typeof workspaceCalls)[M]['result']>;

// ---------------------------------------------------------------------------
// Events pushed by the host.

export const WorkspaceEventSchema = z.discriminatedUnion('type', [
  /** A job was queued or changed state / progress (the whole JobInfo, small). */
  z.strictObject({ type: z.literal('job'), job: JobInfoSchema }),
  /** New convergence-history rows of a running iterative job. */
  z.strictObject({ type: z.literal('history'), jobId: id, rows: z.array(HistoryRowSchema) }),
  /** An intermediate image of a running job (throttled, a few per second at most). */
  z.strictObject({ type: z.literal('preview'), jobId: id, index: nonNeg, image: SliceImageSchema }),
  z.strictObject({ type: z.literal('job-removed'), jobId: id }),
  z.strictObject({ type: z.literal('datasets'), datasets: z.array(DatasetInfoSchema) }),
  /** Something the user should see that belongs to no call (provider fallback, host restart). */
  z.strictObject({ type: z.literal('notice'), level: z.enum(['info', 'warning', 'error']), message: z.string().min(1) }),
]);
export type WorkspaceEvent = z.infer<typeof WorkspaceEventSchema>;

// ---------------------------------------------------------------------------
// Envelopes.

export const ClientMessageSchema = z.strictObject({
  kind: z.literal('call'),
  id: nonNeg,
  method: z.string().min(1).max(64),
  params: z.unknown(),
});
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

export type HostMessage =
  | { kind: 'result'; id: number; result: unknown }
  | { kind: 'error'; id: number; message: string }
  | { kind: 'event'; event: WorkspaceEvent };

export const HostMessageSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('result'), id: nonNeg, result: z.unknown() }),
  z.strictObject({ kind: z.literal('error'), id: nonNeg, message: z.string().min(1) }),
  z.strictObject({ kind: z.literal('event'), event: WorkspaceEventSchema }),
]);

/** Validates a call's params; returns the typed params or a message naming the problem. */
export function parseCall(msg: ClientMessage): { method: WorkspaceMethod; params: unknown } | { error: string } {
  if (!Object.hasOwn(workspaceCalls, msg.method)) return { error: `unknown call "${msg.method}"` };
  const method = msg.method as WorkspaceMethod;
  const parsed = workspaceCalls[method].params.safeParse(msg.params ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { error: `${method}: invalid ${issue?.path.join('.') || 'params'}: ${issue?.message ?? 'invalid'}` };
  }
  return { method, params: parsed.data };
}

/** Every ArrayBuffer inside a value (for the transfer list of postMessage). */
export function collectBuffers(value: unknown, out: ArrayBuffer[] = [], depth = 0): ArrayBuffer[] {
  if (depth > 8 || value === null || typeof value !== 'object') return out;
  if (value instanceof ArrayBuffer) {
    if (!out.includes(value)) out.push(value);
    return out;
  }
  if (ArrayBuffer.isView(value)) return out;
  for (const v of Array.isArray(value) ? value : Object.values(value)) collectBuffers(v, out, depth + 1);
  return out;
}
