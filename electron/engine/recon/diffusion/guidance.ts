/**
 * Guidance rules (pure, element-wise on ε predictions).
 *
 * Classifier-free guidance (Ho & Salimans 2022): ε = ε_u + w (ε_c − ε_u), the
 * conditional and unconditional predictions coming from ONE batched call.
 *
 * Gradient-free classifier guidance (GFCG). ONNX Runtime gives no gradients, so
 * the classifier is only run forward on the current Tweedie estimate x̂0, and
 * steers by choosing WHICH second prediction to push away from and HOW HARD.
 * The rule implemented here (our statement of the GFCG idea of Shahbazi et
 * al., "Gradient-free classifier guidance for diffusion model sampling",
 * 2024; we could not consult the paper offline, so this is our own concrete
 * rule in its spirit, not a transcription of its equations):
 *   p = softmax(classifier(x̂0)), target class c;
 *   reference r = argmax_{k ≠ c} p_k   (the class the sample is most at risk of drifting to);
 *   w_t = w_max · (1 − p_c) · (t / T)  (push only while the classifier doubts c,
 *                                      and less as the sample settles: t → 0);
 *   ε = ε_c + w_t (ε_c − ε_r).
 * With a confident classifier (p_c → 1) or at the end of sampling this falls
 * back to the plain conditional prediction.
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
