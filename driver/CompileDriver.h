//===- CompileDriver.h - every bmnetX compile, stage by stage ---*- C++ -*-===//
//
// Every front-end tool does the same after its importer: the stages of
// Stages.h in order, with logs, stopping where --emit asks, and the output
// directory written all at once. The tools differ only in how they parse
// the model and which flags they add.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_DRIVER_COMPILEDRIVER_H
#define ONNTC_DRIVER_COMPILEDRIVER_H

#include "driver/FrontendOptions.h"
#include "driver/Stages.h"
#include "ir/Graph.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <memory>

namespace onntc {

/// Runs a compile: checks the output directory first (so a bad --outdir
/// fails before any work), imports through `import`, optimises, runs the
/// reference interpreter on random (--descs) or --test_input data, lowers,
/// emits and (with --cmp) checks the bmodel on the cmodel. --outdir gets
/// input_ref_data.dat, output_ref_data.dat, <net_name>.tir (+ .weights) and
/// compilation.bmodel. The --emit stop points write what was made so far:
/// `ir` adds <net_name>.imported.tir and stops before lowering; `cmds` stops
/// after lowering and writes the command streams as <net_name>.cmds;
/// `bmodel` writes compilation.bmodel without the cmodel check. With --cmp
/// the optimised graph's outputs are also compared with the imported
/// graph's. Progress goes to `log` (`tool` prefixes its lines); nothing is
/// written to --outdir unless everything succeeded.
/// The quantize stage of an INT8 compile (bmnetu): rewrites the optimised
/// FP32 module in place into the quantized op family and returns a summary
/// line for the log.
using QuantizeCallback = std::function<llvm::Expected<std::string>(Module &)>;

/// Runs the stages of Stages.h for one compile and writes the output
/// directory. With `quantize`, the compile is INT8: the reference data come
/// from the quantized net (inputs quantized with their scales) and the log
/// reports the INT8 against the FP32 reference.
llvm::Error runCompile(const FrontendOptions &opts, llvm::StringRef tool,
                       ImportCallback import, llvm::raw_ostream &log,
                       const QuantizeCallback &quantize = nullptr);


} // namespace onntc

#endif
