/**
 * Which images the comparison workspace shows. Pure functions over the list
 * so the rules (reference first, at most six, no duplicates) are tested
 * without a component.
 */
import type { DatasetInfo, ImageRef, JobInfo } from '@contracts';

export const MAX_VIEWPORTS = 6;

export interface ViewportSpec {
  /** Stable key for {#each}; also the viewport's data-ref (dataset:<id> | result:<jobId> | uncertainty:<jobId>). */
  key: string;
  ref: ImageRef;
  title: string;
}

export function refKey(ref: ImageRef): string {
  return ref.kind === 'dataset' ? `dataset:${ref.datasetId}` : `${ref.kind}:${ref.jobId}`;
}

export function datasetViewport(d: Pick<DatasetInfo, 'id' | 'name'>): ViewportSpec {
  const ref: ImageRef = { kind: 'dataset', datasetId: d.id };
  return { key: refKey(ref), ref, title: `${d.name} · reference` };
}

export function resultViewport(j: Pick<JobInfo, 'id' | 'label'>): ViewportSpec {
  const ref: ImageRef = { kind: 'result', jobId: j.id };
  return { key: refKey(ref), ref, title: j.label };
}

/** A sampling job's per-pixel standard-deviation map (jobs with `uncertainty`). */
export function sigmaViewport(j: Pick<JobInfo, 'id' | 'label'>): ViewportSpec {
  const ref: ImageRef = { kind: 'uncertainty', jobId: j.id };
  return { key: refKey(ref), ref, title: `${j.label} · σ map` };
}

/**
 * Adds a viewport. When the workspace is full, `replace` swaps out the last
 * non-reference viewport (an explicit "show in compare"); without it the list
 * is left alone (an automatic addition never pushes out the user's choice).
 */
export function addViewport(list: readonly ViewportSpec[], spec: ViewportSpec, replace: boolean): ViewportSpec[] {
  if (list.some((v) => v.key === spec.key)) return [...list];
  if (list.length < MAX_VIEWPORTS) return [...list, spec];
  if (!replace) return [...list];
  const last = list.length - 1;
  const keepFirst = list[0]?.ref.kind === 'dataset';
  if (keepFirst && last === 0) return [...list];
  return [...list.slice(0, last), spec];
}

/** Removes viewports showing a job (job removed) or a dataset (dataset closed). */
export function withoutRefs(list: readonly ViewportSpec[], drop: (ref: ImageRef) => boolean): ViewportSpec[] {
  return list.filter((v) => !drop(v.ref));
}
