/**
 * Guidance rules (pure, element-wise on ε predictions).
 *
 * Classifier-free guidance (Ho & Salimans 2022): ε = ε_u + w (ε_c − ε_u), the
 * conditional and unconditional predictions coming from ONE batched call.
 *
 * Gradient-free classifier guidance (GFCG; Shenoy, Pan, Balakrishnan, Cheng,
 * Jeon, Yang and Kim, "Gradient-Free Classifier Guidance for Diffusion Model
 * Sampling", arXiv:2411.15393, 2024). ONNX Runtime gives no gradients, so the
 * classifier only runs forward, on a clean estimate x̂0, and steers by choosing
 * WHICH second prediction to push away from and HOW HARD. What the paper's
 * abstract and method summary state: "a time-adaptive reference class label
 * and corresponding guidance scale are determined at each time step", the
 * reference being a conditional (not unconditional, as in CFG) prediction, and
 * the scale computed "on the fly depending on how confused the diffusion model
 * is". The paper's exact equations could not be retrieved offline, so the
 * concrete rule below is OUR OWN, written in that spirit:
 *   p = softmax(classifier(x̂0)), target class c;
 *   reference r = argmax_{k ≠ c} p_k   (the class the sample is most at risk of drifting to);
 *   w_t = w_max · (1 − p_c) · (t / T)  (push only while the classifier doubts c,
 *                                      and less as the sample settles: t → 0);
 *   ε = ε_c + w_t (ε_c − ε_r).
 * With a confident classifier (p_c → 1) or at the end of sampling this falls
 * back to the plain conditional prediction. The sampler feeds the classifier
 * the data-consistent x̂0 of the previous step (the zero-filled image before
 * the first), so that (ε_c, ε_r) still come from ONE batched call per step.
 */

export function cfgCombine(epsCond: Float32Array, epsUncond: Float32Array, w: number, out = new Float32Array(epsCond.length)): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = epsUncond[i]! + w * (epsCond[i]! - epsUncond[i]!);
  return out;
}

export function softmax(logits: ArrayLike<number>): number[] {
  let m = -Infinity;
  for (let i = 0; i < logits.length; i++) m = Math.max(m, logits[i]!);
  const e = Array.from({ length: logits.length }, (_, i) => Math.exp(logits[i]! - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export interface GfcgChoice {
  reference: number;
  scale: number;
  /** Classifier probability of the target class. */
  pTarget: number;
}

export function gfcgChoice(logits: ArrayLike<number>, target: number, t: number, T: number, wMax: number): GfcgChoice {
  const p = softmax(logits);
  if (target < 0 || target >= p.length) throw new RangeError(`diffusion: class ${target} is outside the classifier's ${p.length} classes`);
  let reference = -1;
  for (let k = 0; k < p.length; k++) if (k !== target && (reference < 0 || p[k]! > p[reference]!)) reference = k;
  const pTarget = p[target]!;
  return { reference: reference < 0 ? target : reference, scale: wMax * (1 - pTarget) * Math.max(0, t) / T, pTarget };
}

/** ε = ε_c + w (ε_c − ε_r). */
export function gfcgCombine(epsTarget: Float32Array, epsRef: Float32Array, w: number, out = new Float32Array(epsTarget.length)): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = epsTarget[i]! + w * (epsTarget[i]! - epsRef[i]!);
  return out;
}
