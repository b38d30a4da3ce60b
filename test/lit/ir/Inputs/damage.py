"""Writes damaged copies of a weights file (and .tir files naming them)."""
import struct
import sys

src, outdir = sys.argv[1], sys.argv[2]
data = open(src, 'rb').read()
tir = open(src[:-len('.weights')] + '.tir').read()


def emit(name, blob, text=None):
    open(f'{outdir}/{name}.weights', 'wb').write(blob)
    t = (text or tir).replace('weights="m.weights"', f'weights="{name}.weights"')
    open(f'{outdir}/{name}.tir', 'w').write(t)


emit('truncated', data[:-10])
emit('magic', b'NOTMAGIC' + data[8:])
flipped = bytearray(data)
data_offset = struct.unpack_from('<Q', data, 32)[0]
flipped[data_offset + 3] ^= 0x40
emit('crc', bytes(flipped))
emit('version', data[:8] + struct.pack('<I', 99) + data[12:])
emit('short', data[:20])
# A key the file does not have, and a type that disagrees with the entry.
emit('key', data, tir.replace('%w = constant @w', '%w = constant @nokey'))
emit('shape', data, tir.replace('@w : tensor<4x8xf32>', '@w : tensor<8x4xf32>')
     .replace('%y = matmul(%x, %w) : tensor<2x8xf32>', '%y = relu(%x) : tensor<2x4xf32>'))
