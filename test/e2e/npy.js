// Minimal reader and writer for NumPy .npy files (format versions 1.0, 2.0
// and 3.0, little-endian, C order), enough to move tensors between numpy and
// onnxruntime-node in the end-to-end tests.
'use strict';
const fs = require('fs');

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

// numpy descr -> [onnxruntime tensor type, typed array constructor]
const DTYPES = {
  '<f4': ['float32', Float32Array],
  '<f8': ['float64', Float64Array],
  '<i8': ['int64', BigInt64Array],
  '<i4': ['int32', Int32Array],
  '<i2': ['int16', Int16Array],
  '|i1': ['int8', Int8Array],
  '<u8': ['uint64', BigUint64Array],
  '<u4': ['uint32', Uint32Array],
  '<u2': ['uint16', Uint16Array],
  '|u1': ['uint8', Uint8Array],
  '|b1': ['bool', Uint8Array],
};

function descrFor(type) {
  for (const [descr, [t]] of Object.entries(DTYPES)) {
    if (t === type) return descr;
  }
  return undefined;
}

/// Parses the Python-dict header of an .npy file, e.g.
/// {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 224, 224), }
function parseHeader(text, file) {
  const descr = /'descr':\s*'([^']+)'/.exec(text);
  const fortran = /'fortran_order':\s*(True|False)/.exec(text);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape) {
    throw new Error(`${file}: unreadable .npy header: ${text.trim()}`);
  }
  if (fortran[1] === 'True') {
    throw new Error(`${file}: Fortran-order arrays are not supported; save with np.ascontiguousarray`);
  }
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s.length)
    .map((s) => Number.parseInt(s, 10));
  let d = descr[1];
  if (d === '=f4' || d === 'f4') d = '<f4';
  if (!(d in DTYPES)) {
    throw new Error(`${file}: dtype ${descr[1]} is not supported (supported: ${Object.keys(DTYPES).join(' ')})`);
  }
  return { descr: d, dims };
}

/// Reads an .npy file into {type, dims, data} where data is a typed array.
function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) {
    throw new Error(`${file}: not an .npy file (bad magic)`);
  }
  const major = buf[6];
  let headerLen;
  let offset;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    offset = 10;
  } else if (major === 2 || major === 3) {
    headerLen = buf.readUInt32LE(8);
    offset = 12;
  } else {
    throw new Error(`${file}: .npy format version ${major} is not supported`);
  }
  const header = parseHeader(buf.toString('latin1', offset, offset + headerLen), file);
  const [type, Ctor] = DTYPES[header.descr];
  const count = header.dims.reduce((a, b) => a * b, 1);
  const start = offset + headerLen;
  const bytes = count * Ctor.BYTES_PER_ELEMENT;
  if (buf.length - start !== bytes) {
    throw new Error(`${file}: expected ${bytes} data bytes for shape (${header.dims}), found ${buf.length - start}`);
  }
  // Copy into a fresh, aligned buffer.
  const data = new Ctor(count);
  Buffer.from(data.buffer).set(buf.subarray(start, start + bytes));
  return { type: type === 'bool' ? 'bool' : type, dims: header.dims, data };
}

/// Writes a typed array with the given onnxruntime type name and dims.
function writeNpy(file, type, dims, data) {
  const descr = descrFor(type);
  if (!descr) throw new Error(`cannot write tensor type ${type} to .npy`);
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  MAGIC.copy(pre, 0);
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, Buffer.concat([pre, Buffer.from(header, 'latin1'), body]));
  fs.renameSync(tmp, file);
}

module.exports = { readNpy, writeNpy };
