//===- CompileDriver.h - the shared half of every bmnetX compile -*- C++
//-*-===//
//
// Every front-end tool does the same after its importer: verify the module,
// optionally emit it as text, optimise it, make reference inputs, run the
// reference interpreter, and write the output directory all at once. The
// tools differ only in how they parse the model and which flags they add.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_FRONTENDS_COMMON_COMPILEDRIVER_H
#define ONNTC_FRONTENDS_COMMON_COMPILEDRIVER_H

#include "frontends/common/FrontendOptions.h"
#include "ir/Graph.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>

namespace onntc {

/// Imports the model named in the options (the front-end's part).
using ImportCallback =
    llvm::function_ref<llvm::Expected<std::unique_ptr<Module>>()>;

/// Runs a compile: checks the output directory first (so a bad --outdir
/// fails before any work), imports through `import`, then verifies,
/// optimises (--opt 0: type refresh only; 1 and 2: the "optimize" pipeline),
/// runs the reference interpreter on random (--descs) or --test_input data
/// and writes input_ref_data.dat, output_ref_data.dat and <net_name>.tir
/// (+ .weights; with --emit=ir also <net_name>.imported.tir) into --outdir.
/// With --cmp, the optimised graph's outputs are compared with the imported
/// graph's. Progress goes to `log` (`tool` prefixes its lines); nothing is
/// written to --outdir unless everything succeeded.
llvm::Error runCompile(const FrontendOptions &opts, llvm::StringRef tool,
                       ImportCallback import, llvm::raw_ostream &log);

/// Rewrites single-dash long flags (`-opt=2`, `-target BM1684`) to the
/// double-dash form and `--v`/`-v` to `--log_level`, so that SDK scripts run
/// unchanged under CLI11. argv[0] is kept.
std::vector<std::string> normalizeSdkArgs(int argc, const char *const *argv);

} // namespace onntc

#endif
