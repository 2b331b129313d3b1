import { describe, expect, it } from 'vitest';
import { addViewport, datasetViewport, MAX_VIEWPORTS, resultViewport, sigmaViewport, withoutRefs } from './viewports';

const ref = datasetViewport({ id: 'd1', name: 'T1' });
const job = (n: number) => resultViewport({ id: `j${n}`, label: `job ${n}` });

describe('viewports', () => {
  it('keys follow the data-ref convention', () => {
    expect(ref.key).toBe('dataset:d1');
    expect(job(3).key).toBe('result:j3');
  });

  it('adds without duplicates up to six', () => {
    let list = [ref];
    for (let i = 0; i < 8; i++) list = addViewport(list, job(i), false);
    expect(list).toHaveLength(MAX_VIEWPORTS);
    expect(list.map((v) => v.key)).toEqual(['dataset:d1', 'result:j0', 'result:j1', 'result:j2', 'result:j3', 'result:j4']);
    expect(addViewport(list, job(2), true)).toEqual(list);
  });

  it('an explicit show replaces the last result, never the reference', () => {
    let list = [ref];
    for (let i = 0; i < 5; i++) list = addViewport(list, job(i), false);
    const next = addViewport(list, job(9), true);
    expect(next[0]?.key).toBe('dataset:d1');
    expect(next.at(-1)?.key).toBe('result:j9');
    expect(next).toHaveLength(MAX_VIEWPORTS);
  });

  it('drops the viewports of a removed job', () => {
    const list = [ref, job(1), job(2)];
    expect(withoutRefs(list, (r) => r.kind !== 'dataset' && r.jobId === 'j1').map((v) => v.key)).toEqual(['dataset:d1', 'result:j2']);
  });

  it('a σ map sits beside its job\'s result and leaves with it', () => {
    const sigma = sigmaViewport({ id: 'j1', label: 'job 1' });
    expect(sigma.key).toBe('uncertainty:j1');
    expect(sigma.ref).toEqual({ kind: 'uncertainty', jobId: 'j1' });
    const list = addViewport([ref, job(1)], sigma, false);
    expect(list.map((v) => v.key)).toEqual(['dataset:d1', 'result:j1', 'uncertainty:j1']);
    expect(withoutRefs(list, (r) => r.kind !== 'dataset' && r.jobId === 'j1').map((v) => v.key)).toEqual(['dataset:d1']);
  });
});
