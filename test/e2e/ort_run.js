#!/usr/bin/env node
// Runs an ONNX model with onnxruntime-node on .npy inputs and writes every
// output as <outdir>/out_<i>.npy (i = graph output index). This is the ONNX
// oracle for the end-to-end tests and the reference timing for the benchmark.
//
//   node ort_run.js --model M.onnx --input in0.npy [--input in1.npy ...]
//                   [--outdir DIR] [--runs N] [--warmup N] [--threads N]
//                   [--npm-dir DIR]
//
// Inputs are matched to the graph inputs in order. The last stdout line is a
// JSON record with the input/output names and shapes and the run times in ms.
'use strict';
const fs = require('fs');
const path = require('path');
const { readNpy, writeNpy } = require('./npy.js');

function usage(msg) {
  process.stderr.write(`ort_run: ${msg}\n`);
  process.stderr.write('usage: node ort_run.js --model M.onnx --input X.npy [--input ...] ' +
    '[--outdir DIR] [--runs N] [--warmup N] [--threads N] [--npm-dir DIR]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const a = { inputs: [], runs: 1, warmup: 0, threads: 0, outdir: null, model: null,
    npmDir: path.resolve(__dirname, '../../build-deps/npm') };
  for (let i = 0; i < argv.length; ++i) {
    let key = argv[i];
    let val;
    const eq = key.indexOf('=');
    if (eq > 0) {
      val = key.slice(eq + 1);
      key = key.slice(0, eq);
    }
    const next = () => {
      if (val !== undefined) return val;
      if (i + 1 >= argv.length) usage(`${key} needs a value`);
      return argv[++i];
    };
    switch (key) {
      case '--model': a.model = next(); break;
      case '--input': a.inputs.push(next()); break;
      case '--outdir': a.outdir = next(); break;
      case '--runs': a.runs = Number.parseInt(next(), 10); break;
      case '--warmup': a.warmup = Number.parseInt(next(), 10); break;
      case '--threads': a.threads = Number.parseInt(next(), 10); break;
      case '--npm-dir': a.npmDir = next(); break;
      default: usage(`unknown argument ${key}`);
    }
  }
  if (!a.model) usage('--model is required');
  if (!(a.runs >= 1)) usage('--runs must be >= 1');
  return a;
}

function median(xs) {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const modDir = path.join(args.npmDir, 'node_modules', 'onnxruntime-node');
  if (!fs.existsSync(modDir)) {
    throw new Error(`onnxruntime-node not found in ${args.npmDir}/node_modules; run scripts/setup.sh`);
  }
  const ort = require(modDir);
  const opts = { graphOptimizationLevel: 'all' };
  if (args.threads > 0) {
    opts.intraOpNumThreads = args.threads;
    opts.interOpNumThreads = 1;
  }
  const tLoad = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(args.model, opts);
  const loadMs = Number(process.hrtime.bigint() - tLoad) / 1e6;

  if (args.inputs.length !== session.inputNames.length) {
    throw new Error(`${args.model}: the model has ${session.inputNames.length} input(s) ` +
      `(${session.inputNames.join(', ')}) but ${args.inputs.length} --input file(s) were given`);
  }
  const feeds = {};
  session.inputNames.forEach((name, i) => {
    const t = readNpy(args.inputs[i]);
    feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
  });

  let results;
  for (let i = 0; i < args.warmup; ++i) results = await session.run(feeds);
  const times = [];
  for (let i = 0; i < args.runs; ++i) {
    const t0 = process.hrtime.bigint();
    results = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }

  const outputs = [];
  if (args.outdir) fs.mkdirSync(args.outdir, { recursive: true });
  session.outputNames.forEach((name, i) => {
    const t = results[name];
    outputs.push({ name, type: t.type, dims: t.dims });
    if (args.outdir) writeNpy(path.join(args.outdir, `out_${i}.npy`), t.type, t.dims, t.data);
  });
  const record = {
    model: args.model,
    inputs: session.inputNames,
    outputs,
    load_ms: loadMs,
    times_ms: times,
    median_ms: median(times),
  };
  process.stdout.write(`${JSON.stringify(record)}\n`);
  if (typeof session.release === 'function') await session.release();
}

main().catch((e) => {
  process.stderr.write(`ort_run: ${e && e.message ? e.message : e}\n`);
  process.exit(1);
});
