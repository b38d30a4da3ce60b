//===- StridedCopy.h - the shared data-movement engine ----------*- C++ -*-===//
//
// Transpose, Expand, Tile, Slice, DepthToSpace/SpaceToDepth and the interior
// of Pad are all "copy a strided view of the input into a contiguous
// output". stridedCopy does that once for every dtype (by element size):
// it merges dimensions, copies contiguous runs with memcpy, fills broadcast
// runs, and moves 2-D transposed planes (e.g. NCHW <-> NHWC) in cache-sized
// tiles, splitting large copies over the KernelContext's threads.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_IR_OPS_STRIDEDCOPY_H
#define ONNTC_IR_OPS_STRIDEDCOPY_H

#include "ir/KernelContext.h"

#include "llvm/ADT/ArrayRef.h"

#include <cstddef>
#include <cstdint>

namespace onntc {

/// For every index i over `dims` (row-major), writes element
/// src[sum(i_d * srcStrides[d])] to dst[i]. Strides are in elements and may
/// be zero (broadcast) or negative (reversed); `src` points at the element
/// of index 0. `elemBytes` is 1, 2, 4 or 8.
void stridedCopy(KernelContext &ctx, size_t elemBytes,
                 llvm::ArrayRef<int64_t> dims,
                 llvm::ArrayRef<int64_t> srcStrides, const uint8_t *src,
                 uint8_t *dst);

} // namespace onntc

#endif
