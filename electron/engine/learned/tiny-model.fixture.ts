/**
 * Test fixture: writes a real (tiny) ONNX model folder — model.onnx,
 * manifest.json and golden .npy files — using Debian's python3-onnx and numpy,
 * so the session, fallback and parity machinery is exercised against a genuine
 * ONNX Runtime session whether or not a trained model is shipped yet.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PYTHON = '/usr/bin/python3';

export function havePythonOnnx(): boolean {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ['-c', 'import onnx, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const SCRIPT = String.raw`
import json, os, sys
import numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto as T
out, name = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(7)
W = rng.standard_normal((4, 3)).astype(np.float32)
b = rng.standard_normal(3).astype(np.float32)
# y = tanh(x @ W + b) * s : MatMul/Add/Tanh/Mul, a symbolic batch axis, two inputs.
g = helper.make_graph(
    [helper.make_node('MatMul', ['x', 'W'], ['h']), helper.make_node('Add', ['h', 'b'], ['a']),
     helper.make_node('Tanh', ['a'], ['t']), helper.make_node('Mul', ['t', 's'], ['y'])],
    'tiny',
    [helper.make_tensor_value_info('x', T.FLOAT, ['n', 4]), helper.make_tensor_value_info('s', T.FLOAT, [1])],
    [helper.make_tensor_value_info('y', T.FLOAT, ['n', 3])],
    [numpy_helper.from_array(W, 'W'), numpy_helper.from_array(b, 'b')])
m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)])
m.ir_version = 8
onnx.checker.check_model(m)
d = os.path.join(out, name); os.makedirs(d)
onnx.save(m, os.path.join(d, 'model.onnx'))
x = rng.standard_normal((5, 4)).astype(np.float32); s = np.array([2.5], np.float32)
np.save(os.path.join(d, 'golden-x.npy'), x); np.save(os.path.join(d, 'golden-s.npy'), s)
np.save(os.path.join(d, 'golden-y.npy'), (np.tanh(x.astype(np.float64) @ W + b) * s).astype(np.float32))
json.dump({'name': name, 'version': '0.0.1', 'opset': 13,
  'inputs': [{'name': 'x', 'shape': ['n', 4], 'dtype': 'float32'}, {'name': 's', 'shape': [1], 'dtype': 'float32'}],
  'outputs': [{'name': 'y', 'shape': ['n', 3], 'dtype': 'float32'}],
  'normalisation': 'none', 'training': {'data': 'random weights (test fixture)'}, 'metrics': {},
  'golden': {'inputs': {'x': 'golden-x.npy', 's': 'golden-s.npy'}, 'outputs': {'y': 'golden-y.npy'}}},
  open(os.path.join(d, 'manifest.json'), 'w'), indent=1)
`;

/** Makes <tmp>/<name>/ holding the tiny model; returns the models root (the tmp folder). */
export function makeTinyModel(name = 'tiny-matmul', root = mkdtempSync(join(tmpdir(), 'recon-models-'))): string {
  execFileSync(PYTHON, ['-c', SCRIPT, root, name], { stdio: ['ignore', 'ignore', 'pipe'] });
  return root;
}
