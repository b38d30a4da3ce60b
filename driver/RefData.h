//===- RefData.h - reference inputs and outputs of a compile ----*- C++ -*-===//
//
// Every bmnetX compile leaves input_ref_data.dat / output_ref_data.dat next
// to the bmodel: raw little-endian tensors concatenated in net -> stage ->
// tensor order, no header (bmrt_test compares against them). The inputs are
// random data drawn per `--descs`, or the user's `--test_input` arrays.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_DRIVER_REFDATA_H
#define ONNTC_DRIVER_REFDATA_H

#include "driver/FrontendOptions.h"
#include "driver/Npy.h"
#include "ir/Tensor.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace onntc {

/// Name and type of one network input, as the generator needs them.
struct InputSpec {
  std::string name;
  TensorType type;
};

/// Random inputs: input i uses the --descs entry with index i if there is
/// one (its dtype must match the input's), otherwise values uniform in
/// [0, 1) (floats) or 0 (integers, bool). The same seed gives the same data.
llvm::Expected<std::vector<Tensor>>
generateInputs(llvm::ArrayRef<InputSpec> inputs,
               llvm::ArrayRef<InputDesc> descs, uint64_t seed);

/// Matches user arrays to inputs: by name when every array name is an input
/// name, otherwise by position (numpy.savez's arr_0, arr_1, ...; a .npy file
/// feeds a single input). Shapes must match exactly; the data is converted
/// to the input's dtype when it differs (e.g. float64 -> f32 happens on load).
llvm::Expected<std::vector<Tensor>>
bindTestInputs(std::vector<NamedTensor> arrays,
               llvm::ArrayRef<InputSpec> inputs, llvm::StringRef file);

/// The bytes of a ref-data file: the tensors' raw data, concatenated.
std::string encodeRefData(llvm::ArrayRef<Tensor> tensors);

/// Splits ref-data bytes back into tensors of the given (static) types.
llvm::Expected<std::vector<Tensor>>
decodeRefData(llvm::StringRef bytes, llvm::ArrayRef<TensorType> types,
              llvm::StringRef what);

} // namespace onntc

#endif
