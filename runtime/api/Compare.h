//===- Compare.h - reference data and output comparison ---------*- C++ -*-===//
//
// The SDK's reference-data conventions (input_ref_data.dat and
// output_ref_data.dat, reference section 3.4) and bmrt_test's comparison
// rules (section 5), shared by bmrt_test and by compilers that check their
// output on the cmodel (bmnetX --cmp).
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_RUNTIME_API_COMPARE_H
#define ONNTC_RUNTIME_API_COMPARE_H

#include "runtime/api/Runtime.h"

#include "llvm/Support/raw_ostream.h"

#include <string>

namespace onntc {
namespace runtime {

/// Tolerances of --accuracy_f / --accuracy_i.
struct Tolerance {
  float f = 0.01f;
  int i = 0;
};

/// Compares `got` with the reference bytes `exp` (same dtype and element
/// count) as the SDK's bmrt_test does: floats (f32/f16/bf16) use a relative
/// error when max(|exp|, |got|) > 1 and an absolute error otherwise, NaN
/// mismatches count; integers use |exp - got| > accuracy_i. Prints up to 30
/// mismatches, each line starting with `label`. Returns the mismatch count.
uint64_t compareTensor(const Tensor &got, llvm::ArrayRef<uint8_t> exp,
                       const Tolerance &tol, llvm::StringRef label,
                       llvm::raw_ostream &os);

/// Byte offsets of every (net, stage) share of the reference files: for
/// each loaded file, nets in file order, stages in order, tensors in order,
/// elements of the stage shape x dtype bytes (int4 rounds up per tensor).
struct RefLayout {
  /// [net][stage] -> offset in the ref file of the net's bmodel file.
  std::vector<std::vector<uint64_t>> in, out;
  /// Per loaded file (NetDesc::fileIndex): total bytes its nets need.
  std::vector<uint64_t> inBytes, outBytes;
};
RefLayout computeRefLayout(const Context &ctx);

/// Checks that ref files of `inSize` / `outSize` bytes are long enough for
/// the nets of loaded file `file`, and that the output file holds no more
/// than their outputs (extra bytes are outputs the bmodel does not return);
/// pass UINT64_MAX for a file not read. The message names dir and the file.
llvm::Error checkRefSizes(const RefLayout &layout, unsigned file,
                          uint64_t inSize, uint64_t outSize,
                          llvm::StringRef dir);

/// The inputs of one stage read from input_ref_data.dat bytes (`ref` must
/// hold at least layout.inBytes of the net's file).
std::vector<Tensor> refInputs(const Context &ctx, const RefLayout &layout,
                              size_t net, unsigned stage,
                              llvm::ArrayRef<uint8_t> ref);
/// Compares the outputs of one stage with output_ref_data.dat bytes; returns
/// the mismatch count (mismatch lines go to `log`, labelled with the output
/// index and name).
uint64_t compareOutputs(const Context &ctx, const RefLayout &layout, size_t net,
                        unsigned stage, llvm::ArrayRef<Tensor> outputs,
                        llvm::ArrayRef<uint8_t> ref, const Tolerance &tol,
                        llvm::raw_ostream &log);

/// The result of checkContextDir for one stage.
struct StageCheck {
  std::string net;
  unsigned stage = 0;
  uint64_t mismatches = 0;
  LaunchProfile profile;
};
/// Loads dir/compilation.bmodel, runs every net and stage with the inputs of
/// dir/input_ref_data.dat and compares with dir/output_ref_data.dat (what
/// `bmrt_test --context_dir` does, without its log). Errors: unreadable or
/// short files, nets that cannot run. Mismatches are not errors: they are
/// counted per stage, their lines written to `log`.
llvm::Expected<std::vector<StageCheck>> checkContextDir(llvm::StringRef dir,
                                                        const Tolerance &tol,
                                                        llvm::raw_ostream &log);

/// Element i of raw bytes of dtype t as double (int4 unpacked low nibble
/// first).
double elementAt(llvm::ArrayRef<uint8_t> bytes, DType t, uint64_t i);
bool isFloatType(DType t);

} // namespace runtime
} // namespace onntc

#endif
