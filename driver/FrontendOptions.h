//===- FrontendOptions.h - the SDK flags every bmnetX tool takes -*- C++
//-*-===//
//
// The options of the NNTC front-end compilers (bmnetc, bmneto, ...) as one
// plain struct, plus parsers for the flag values whose syntax is shared by
// all of them: `--shapes`, `--descs`, name lists, booleans and targets.
// Tools fill the struct from their command line; libraries only read it.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_DRIVER_FRONTENDOPTIONS_H
#define ONNTC_DRIVER_FRONTENDOPTIONS_H

#include "ir/Types.h"
#include "isa/Target.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace onntc {

/// Looks `--target` up among the chips the backend describes
/// (case-insensitive); the error lists the known ones.
llvm::Expected<const isa::TargetInfo *> parseTarget(llvm::StringRef s);

/// Where `--emit` stops the pipeline (None: run every stage). Each stop
/// point writes what the stages up to it produced (see runCompile).
enum class EmitKind : uint8_t { None, IR, QuantizedIR, Cmds, BModel };
/// The `--emit` spelling of a stop point ("" for None).
llvm::StringRef emitKindName(EmitKind k);

/// `--mode`: compile a bmodel, or write the FP32 umodel that calibration
/// (calibration_use_pb, the INT8 path) starts from.
enum class CompileMode : uint8_t { Compile, GenUmodel };

/// One `--descs` entry: input `index` gets `dtype` values drawn uniformly
/// from [low, high) (integers for integer dtypes).
struct InputDesc {
  unsigned index = 0;
  DType dtype = DType::F32;
  double low = 0.0;
  double high = 1.0;
};

/// Everything a bmnetX invocation asks for.
struct FrontendOptions {
  std::string model;
  std::string weight;
  /// One shape per input, in input order; empty when `--shapes` was absent.
  std::vector<Shape> shapes;
  std::vector<std::string> inputNames;
  std::vector<std::string> outputNames;
  std::string netName;
  std::string outdir = "compilation";
  CompileMode mode = CompileMode::Compile;
  /// The chip compiled for; never null after makeFrontendOptions.
  const isa::TargetInfo *target = nullptr;
  int opt = 1;
  bool dyn = false;
  bool cmp = true;
  /// --enable_profile: store a per-layer profile in the bmodel's net_profile.
  bool enableProfile = false;
  std::vector<InputDesc> descs;
  int logLevel = 0;
  /// `--test_input`: a .npy (one input) or .npz (inputs by name or order).
  std::string testInput;
  EmitKind emit = EmitKind::None;
  /// Seed of the random reference inputs, so that runs are reproducible.
  uint64_t seed = 0x0DDC0FFEEULL;
};

/// The flags as typed on the command line, before validation. Tools bind
/// these to their parser (see addSdkFlags in SdkFlags.h) and turn them into
/// FrontendOptions with makeFrontendOptions.
struct SdkFlagValues {
  std::string model, weight, shapes, inputNames, outputNames, netName;
  std::string outdir = "compilation";
  std::string target = "BM1684";
  int opt = 1;
  std::string dyn = "false", cmp = "true", enableProfile = "false";
  std::string mode = "compile";
  std::string descs;
  int logLevel = 0;
  std::string testInput, emit;
  uint64_t seed = 0x0DDC0FFEEULL;
};

/// Rewrites single-dash long flags (`-opt=2`, `-target BM1684`) to the
/// double-dash form and `--v`/`-v` to `--log_level`, so that SDK scripts run
/// unchanged under CLI11. argv[0] is kept.
std::vector<std::string> normalizeSdkArgs(int argc, const char *const *argv);

/// Validates and converts the raw flags; errors name the flag.
llvm::Expected<FrontendOptions> makeFrontendOptions(const SdkFlagValues &f);

/// Parses `[1,3,224,224]` or `[[1,3,224,224],[1,10]]` (spaces allowed).
/// Every dimension must be a positive integer.
llvm::Expected<std::vector<Shape>> parseShapes(llvm::StringRef text);

/// Parses `[0,int64,0,100]` or `[[0,int64,0,100],[1,fp32,-1,1]]`. Type names:
/// fp32/float32/float, fp16/float16, int8, uint8, int16, uint16, int32/int,
/// int64, bool. `low < high` is required.
llvm::Expected<std::vector<InputDesc>> parseDescs(llvm::StringRef text);

/// Splits `a,b,c` into names (surrounding spaces trimmed, empty items dropped).
std::vector<std::string> parseNameList(llvm::StringRef text);

/// Parses true/false/1/0/yes/no/on/off (case-insensitive).
llvm::Expected<bool> parseBool(llvm::StringRef text);

/// The default `--net_name`: the model file name without directories and
/// without its last extension, with characters other than [A-Za-z0-9_-]
/// replaced by '_'.
std::string defaultNetName(llvm::StringRef modelPath);

/// `--shapes` text for a list of shapes, e.g. `[[1,3],[2]]`.
std::string formatShapes(llvm::ArrayRef<Shape> shapes);

} // namespace onntc

#endif
