/**
 * Test fixture: real ONNX diffusion "priors" with a known exact answer, written
 * with Debian's python3-onnx (so the sampler is exercised through genuine
 * onnxruntime sessions).
 *
 * Denoiser: the exact ε-predictor of a zero-mean Gaussian prior with variance v
 * per component, x0 ~ N(0, v I):  E[ε | x_t] = x_t √(1−ᾱ_t) / (ᾱ_t v + 1 − ᾱ_t),
 * a per-t scalar gathered from a table by t, plus a per-class offset table
 * (zero for the null class) so guidance has something to act on.
 * Classifier: logits = mean over pixels of (re, im) @ W + b, K = 3.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON } from '../../learned/tiny-model.fixture';

const SCRIPT = String.raw`
import json, os, sys
import numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto as T
root, v, offset = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
Tn = 1000
ab = np.cumprod(1 - np.linspace(1e-4, 0.02, Tn))
g = (np.sqrt(1 - ab) / (ab * v + 1 - ab)).astype(np.float32)
off = np.array([offset, 2 * offset, 3 * offset, 0.0], np.float32)  # classes 0..2, null = 3
rng = np.random.default_rng(3)
W = rng.standard_normal((2, 3)).astype(np.float32); b = np.array([0.5, 0.0, -0.5], np.float32)

def save(d, model, feeds, outs, man):
    os.makedirs(os.path.join(d, 'golden'))
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(d, 'model.onnx'))
    gi, go = {}, {}
    for k, a in feeds.items():
        np.save(os.path.join(d, 'golden', 'input_' + k + '.npy'), a); gi[k] = 'golden/input_' + k + '.npy'
    for k, a in outs.items():
        np.save(os.path.join(d, 'golden', 'output_' + k + '.npy'), a); go[k] = 'golden/output_' + k + '.npy'
    man['golden'] = {'inputs': gi, 'outputs': go}
    json.dump(man, open(os.path.join(d, 'manifest.json'), 'w'), indent=1)

cx = lambda n: helper.make_tensor_value_info(n, T.FLOAT, ['B', 1, 'H', 'W', 2])
nodes = [
  helper.make_node('Cast', ['t'], ['ti'], to=T.INT64),
  helper.make_node('Gather', ['g', 'ti'], ['gt']),
  helper.make_node('Reshape', ['gt', 'shp'], ['gt5']),
  helper.make_node('Mul', ['x', 'gt5'], ['e0']),
  helper.make_node('Gather', ['off', 'y'], ['oy']),
  helper.make_node('Reshape', ['oy', 'shp'], ['oy5']),
  helper.make_node('Add', ['e0', 'oy5'], ['eps'])]
graph = helper.make_graph(nodes, 'gauss', [cx('x'), helper.make_tensor_value_info('t', T.FLOAT, ['B']), helper.make_tensor_value_info('y', T.INT64, ['B'])], [cx('eps')],
  [numpy_helper.from_array(g, 'g'), numpy_helper.from_array(off, 'off'), numpy_helper.from_array(np.array([-1, 1, 1, 1, 1], np.int64), 'shp')])
m = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)]); m.ir_version = 8
x = rng.standard_normal((2, 1, 8, 8, 2)).astype(np.float32); t = np.array([999, 10], np.float32); y = np.array([0, 3], np.int64)
eps = x * g[t.astype(int)][:, None, None, None, None] + off[y][:, None, None, None, None]
base = {'version': 1, 'opset': 13, 'padMultiple': 8, 'classes': ['axial', 'coronal', 'sagittal'], 'normalisation': {'kind': 'bart-scale'}, 'metrics': None}
save(os.path.join(root, 'gauss'), m, {'x': x, 't': t, 'y': y}, {'eps': eps.astype(np.float32)}, {**base, 'name': 'gauss', 'architecture': 'diffusion',
  'inputs': [{'name': 'x', 'shape': ['B', 1, 'H', 'W', 2], 'dtype': 'float32'}, {'name': 't', 'shape': ['B'], 'dtype': 'float32'}, {'name': 'y', 'shape': ['B'], 'dtype': 'int64'}],
  'outputs': [{'name': 'eps', 'shape': ['B', 1, 'H', 'W', 2], 'dtype': 'float32'}],
  'diffusion': {'T': Tn, 'alphasCumprod': [float(a) for a in ab], 'prediction': 'eps'}, 'nullClass': 3, 'classifier': 'gauss-classifier',
  'schedules': {'5': [999, 700, 400, 100, 0]}})
cn = [helper.make_node('ReduceMean', ['x'], ['mu'], axes=[1, 2, 3], keepdims=0), helper.make_node('MatMul', ['mu', 'W'], ['h']), helper.make_node('Add', ['h', 'b'], ['logits'])]
cg = helper.make_graph(cn, 'cls', [cx('x')], [helper.make_tensor_value_info('logits', T.FLOAT, ['B', 3])], [numpy_helper.from_array(W, 'W'), numpy_helper.from_array(b, 'b')])
cm = helper.make_model(cg, opset_imports=[helper.make_opsetid('', 13)]); cm.ir_version = 8
save(os.path.join(root, 'gauss-classifier'), cm, {'x': x}, {'logits': (x.mean(axis=(1, 2, 3)) @ W + b).astype(np.float32)}, {**base, 'name': 'gauss-classifier', 'architecture': 'diffusion-classifier',
  'inputs': [{'name': 'x', 'shape': ['B', 1, 'H', 'W', 2], 'dtype': 'float32'}], 'outputs': [{'name': 'logits', 'shape': ['B', 3], 'dtype': 'float32'}]})
print(json.dumps({'W': W.tolist(), 'b': b.tolist()}))
`;

/** Writes <root>/gauss and <root>/gauss-classifier; returns the root and the classifier's weights. */
export function makeGaussianPrior(variance: number, classOffset = 0): { root: string; W: number[][]; b: number[] } {
  const root = mkdtempSync(join(tmpdir(), 'recon-diffusion-'));
  const out = execFileSync(PYTHON, ['-c', SCRIPT, root, String(variance), String(classOffset)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const { W, b } = JSON.parse(out) as { W: number[][]; b: number[] };
  return { root, W, b };
}
