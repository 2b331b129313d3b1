/**
 * Linear operators as plain values: {ishape, oshape, apply, adjoint}, composed
 * like functions (sigpy's Linop, BART's linop_s). Everything acts on
 * interleaved complex Float32Arrays laid out as array/layout.ts declares.
 * apply/adjoint never modify their input and always return a fresh array, so
 * operators compose without hidden aliasing.
 */
import type { Shape } from '../array';
import { formatShape, numel, shapeEquals } from '../array';

export interface LinOp {
  readonly name: string;
  readonly ishape: Shape;
  readonly oshape: Shape;
  apply(x: Float32Array): Float32Array;
  adjoint(y: Float32Array): Float32Array;
}

function checkLength(op: string, what: string, shape: Shape, x: Float32Array): void {
  if (x.length !== 2 * numel(shape)) {
    throw new RangeError(`${op}: ${what} has ${x.length / 2} complex values, expected ${formatShape(shape)}`);
  }
}

/** Wraps raw functions with shape checks so a mis-wired pipeline fails loudly, naming the operator. */
export function linop(
  name: string,
  ishape: Shape,
  oshape: Shape,
  apply: (x: Float32Array) => Float32Array,
  adjoint: (y: Float32Array) => Float32Array,
): LinOp {
  return {
    name,
    ishape: [...ishape],
    oshape: [...oshape],
    apply(x) {
      checkLength(name, 'input', ishape, x);
      return apply(x);
    },
    adjoint(y) {
      checkLength(`${name}^H`, 'input', oshape, y);
      return adjoint(y);
    },
  };
}

/** compose(A, B, C) = A·B·C: C is applied first, as in sigpy's Compose([A, B, C]). */
export function compose(...ops: LinOp[]): LinOp {
  if (ops.length === 0) throw new RangeError('compose needs at least one operator');
  for (let i = 0; i + 1 < ops.length; i++) {
    const outer = ops[i]!, inner = ops[i + 1]!;
    if (!shapeEquals(outer.ishape, inner.oshape)) {
      throw new RangeError(
        `compose: ${outer.name} expects ${formatShape(outer.ishape)} but ${inner.name} gives ${formatShape(inner.oshape)}`,
      );
    }
  }
  if (ops.length === 1) return ops[0]!;
  const first = ops[ops.length - 1]!;
  const last = ops[0]!;
  return linop(
    ops.map((o) => o.name).join('·'),
    first.ishape,
    last.oshape,
    (x) => ops.reduceRight((v, op) => op.apply(v), x),
    (y) => ops.reduce((v, op) => op.adjoint(v), y),
  );
}

/** A^H as an operator. */
export function adjointOp(op: LinOp): LinOp {
  return linop(`${op.name}^H`, op.oshape, op.ishape, (y) => op.adjoint(y), (x) => op.apply(x));
}

/** A^H A, the normal operator used by CG and gradient methods. */
export function normalOp(op: LinOp): LinOp {
  return linop(`${op.name}^H·${op.name}`, op.ishape, op.ishape, (x) => op.adjoint(op.apply(x)), (x) => op.adjoint(op.apply(x)));
}

export function identity(shape: Shape): LinOp {
  return linop('I', shape, shape, (x) => x.slice(), (y) => y.slice());
}

/** alpha·A for a real scalar alpha. */
export function scaled(op: LinOp, alpha: number): LinOp {
  const s = (v: Float32Array) => {
    for (let i = 0; i < v.length; i++) v[i]! *= alpha;
    return v;
  };
  return linop(`${alpha}·${op.name}`, op.ishape, op.oshape, (x) => s(op.apply(x)), (y) => s(op.adjoint(y)));
}
