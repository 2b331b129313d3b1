/**
 * A job queue that runs one job at a time: reconstructions are CPU bound, so
 * running two at once only makes both slower and the UI's ETA meaningless.
 *
 * States: queued -> running -> done | failed | cancelled (queued jobs can be
 * cancelled without ever running). Cancelling a running job aborts its
 * AbortSignal; the runner (a recon method) checks it between iterations.
 * Every change is reported to the listener with the job itself.
 */

export type QueueState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface QueuedJob<S, R> {
  id: string;
  spec: S;
  state: QueueState;
  /** 0..1 */
  fraction: number;
  message: string;
  /** Estimated remaining time, once enough progress was seen to guess it. */
  etaMs?: number;
  queuedAt: number;
  startedAt?: number;
  finishedAt?: number;
  error?: string;
  result?: R;
  retryOf?: string;
}

export interface JobRunContext {
  signal: AbortSignal;
  /** Report progress; fraction in 0..1 over the whole job. */
  progress(fraction: number, message?: string): void;
}

export type JobRunner<S, R> = (spec: S, ctx: JobRunContext, job: QueuedJob<S, R>) => Promise<R>;

/** 'progress' events are frequent; listeners throttle them, state changes they never drop. */
export type QueueEvent = 'queued' | 'started' | 'progress' | 'finished' | 'removed';
export type QueueListener<S, R> = (event: QueueEvent, job: QueuedJob<S, R>) => void;

/** Below this fraction an ETA is noise (setup time dominates). */
const ETA_MIN_FRACTION = 0.02;

function isAbort(e: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (e instanceof Error && e.name === 'AbortError');
}

export class JobQueue<S, R> {
  private readonly jobs = new Map<string, QueuedJob<S, R>>();
  private readonly order: string[] = [];
  private running: { job: QueuedJob<S, R>; controller: AbortController } | undefined;
  private counter = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly runner: JobRunner<S, R>,
    private readonly listener: QueueListener<S, R> = () => {},
    private readonly prefix = 'job',
  ) {}

  /** Queues a job and returns it (already 'queued'; it starts on the next tick if the queue is idle). */
  add(spec: S, retryOf?: string): QueuedJob<S, R> {
    const job: QueuedJob<S, R> = {
      id: `${this.prefix}-${++this.counter}`,
      spec,
      state: 'queued',
      fraction: 0,
      message: 'queued',
      queuedAt: Date.now(),
      ...(retryOf ? { retryOf } : {}),
    };
    this.jobs.set(job.id, job);
    this.order.push(job.id);
    this.listener('queued', job);
    // Start asynchronously so the caller sees every job it submits as queued first.
    queueMicrotask(() => this.pump());
    return job;
  }

  get(id: string): QueuedJob<S, R> | undefined {
    return this.jobs.get(id);
  }

  list(): QueuedJob<S, R>[] {
    return [...this.jobs.values()];
  }

  /** Cancels a queued or running job; false when it already finished (or is unknown). */
  cancel(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job) return false;
    if (job.state === 'queued') {
      this.order.splice(this.order.indexOf(id), 1);
      this.finish(job, 'cancelled', 'cancelled before it started');
      return true;
    }
    if (job.state === 'running' && this.running?.job === job) {
      job.message = 'cancelling…';
      this.running.controller.abort();
      return true;
    }
    return false;
  }

  /** Queues the same spec again under a new id (any finished job). */
  retry(id: string): QueuedJob<S, R> {
    const job = this.jobs.get(id);
    if (!job) throw new RangeError(`no job "${id}"`);
    if (job.state === 'queued' || job.state === 'running') throw new RangeError(`job "${id}" is still ${job.state}; cancel it first or wait`);
    return this.add(job.spec, id);
  }

  /** Forgets a job (cancelling it first if it is still queued or running). */
  remove(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job) return false;
    this.cancel(id);
    this.jobs.delete(id);
    this.listener('removed', job);
    return true;
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.running && this.order.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private finish(job: QueuedJob<S, R>, state: 'done' | 'failed' | 'cancelled', message: string, error?: string): void {
    job.state = state;
    job.message = message;
    job.finishedAt = Date.now();
    delete job.etaMs;
    if (state === 'done') job.fraction = 1;
    if (error !== undefined) job.error = error;
    this.listener('finished', job);
  }

  private pump(): void {
    if (this.running) return;
    const id = this.order.shift();
    if (id === undefined) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
      return;
    }
    const job = this.jobs.get(id);
    if (!job || job.state !== 'queued') return this.pump();
    const controller = new AbortController();
    this.running = { job, controller };
    job.state = 'running';
    job.startedAt = Date.now();
    job.message = 'starting';
    this.listener('started', job);
    const ctx: JobRunContext = {
      signal: controller.signal,
      progress: (fraction, message) => {
        if (job.state !== 'running') return;
        job.fraction = Math.min(1, Math.max(0, fraction));
        if (message !== undefined && !controller.signal.aborted) job.message = message;
        const elapsed = Date.now() - job.startedAt!;
        if (job.fraction > ETA_MIN_FRACTION) job.etaMs = (elapsed * (1 - job.fraction)) / job.fraction;
        this.listener('progress', job);
      },
    };
    void (async () => {
      try {
        const result = await this.runner(job.spec, ctx, job);
        if (controller.signal.aborted) this.finish(job, 'cancelled', 'cancelled');
        else {
          job.result = result;
          this.finish(job, 'done', 'done');
        }
      } catch (e) {
        if (isAbort(e, controller.signal)) this.finish(job, 'cancelled', 'cancelled');
        else {
          const message = e instanceof Error ? e.message : String(e);
          this.finish(job, 'failed', 'failed', message || 'failed without a message');
        }
      } finally {
        this.running = undefined;
        this.pump();
      }
    })();
  }
}
