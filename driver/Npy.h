//===- Npy.h - numpy .npy / .npz reading (and .npy writing) ----*- C++ -*-===//
//
// `--test_input` takes the user's own input data as a numpy file. .npy is a
// small header plus raw little-endian data; .npz is a zip archive of .npy
// members, either stored (numpy.savez) or deflated (numpy.savez_compressed).
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_DRIVER_NPY_H
#define ONNTC_DRIVER_NPY_H

#include "ir/Tensor.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <utility>
#include <vector>

namespace onntc {

/// One named array of an .npz archive (the name without its ".npy").
struct NamedTensor {
  std::string name;
  Tensor tensor;
};

/// Decodes the bytes of one .npy file. `what` names the data in errors.
/// float64 data is converted to f32 (the IR has no f64); u32/u64, complex,
/// object, big-endian and Fortran-order arrays are rejected.
llvm::Expected<Tensor> parseNpy(llvm::StringRef bytes, llvm::StringRef what);

/// Reads a .npy file.
llvm::Expected<Tensor> readNpy(llvm::StringRef path);

/// Reads every member of an .npz archive, in archive order.
llvm::Expected<std::vector<NamedTensor>> readNpz(llvm::StringRef path);

/// Reads a .npy (one unnamed array) or .npz file, chosen by content.
llvm::Expected<std::vector<NamedTensor>> readNumpyFile(llvm::StringRef path);

/// Encodes a tensor as .npy bytes (version 1.0 header).
std::string encodeNpy(const Tensor &t);

} // namespace onntc

#endif
