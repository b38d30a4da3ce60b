//===- BmnetcRef.cpp - reference outputs of a Caffe net, no backend -------===//
//
//   bmnetc_ref --model net.prototxt --weight net.caffemodel --out_ref out.dat
//              [--shapes ..] [--output_names ..] [--test_input x.npy]
//              [--opt 0|1]
//
// Imports a Caffe net like bmnetc, optimises it (--opt 1, the default) and
// writes the reference interpreter's outputs in output_ref_data.dat format.
// test/e2e/run_caffe.sh uses it to check the reference outputs of nets whose
// bmodel the backend cannot build yet (bmnetc writes nothing then). Not an
// SDK tool.
//
//===----------------------------------------------------------------------===//
#include "frontends/caffe/CaffeImporter.h"
#include "frontends/common/FrontendOptions.h"
#include "frontends/common/Npy.h"
#include "frontends/common/RefData.h"

#include "ir/Interpreter.h"
#include "ir/PassManager.h"
#include "ir/Verifier.h"

#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

using namespace onntc;

static llvm::Error run(const std::string &model, const std::string &weight,
                       const std::string &shapes, const std::string &outputs,
                       const std::string &testInput, int opt,
                       const std::string &outRef) {
  CaffeImportOptions io;
  if (!shapes.empty()) {
    auto s = parseShapes(shapes);
    if (!s)
      return s.takeError();
    io.shapes = std::move(*s);
  }
  io.outputNames = parseNameList(outputs);
  auto module = importCaffeFiles(model, weight, io);
  if (!module)
    return module.takeError();
  Module &m = **module;
  if (llvm::Error e = verifyGraph(m.graph))
    return e;
  KernelContext kernels(0);
  PipelineOptions popts;
  popts.passes = opt == 0 ? "infer-types" : "optimize";
  if (llvm::Error e = runPipeline(m, popts, kernels))
    return e;
  std::vector<InputSpec> specs;
  for (Value *v : m.graph.inputs())
    specs.push_back({v->name(), v->type()});
  std::vector<Tensor> inputs;
  if (!testInput.empty()) {
    auto arrays = readNumpyFile(testInput);
    if (!arrays)
      return arrays.takeError();
    auto bound = bindTestInputs(std::move(*arrays), specs, testInput);
    if (!bound)
      return bound.takeError();
    inputs = std::move(*bound);
  } else {
    auto gen = generateInputs(specs, {}, 1);
    if (!gen)
      return gen.takeError();
    inputs = std::move(*gen);
  }
  auto outs = runGraph(m.graph, inputs, kernels);
  if (!outs)
    return outs.takeError();
  std::error_code ec;
  llvm::raw_fd_ostream os(outRef, ec);
  if (ec)
    return llvm::createStringError(ec, "cannot write '%s': %s", outRef.c_str(),
                                   ec.message().c_str());
  os << encodeRefData(*outs);
  for (Value *v : m.graph.outputs())
    llvm::outs() << "output " << v->name() << " " << v->shape().str() << "\n";
  return llvm::Error::success();
}

int main(int argc, char **argv) {
  CLI::App app{"bmnetc_ref: reference outputs of a Caffe net (no backend)"};
  std::string model, weight, shapes, outputs, testInput, outRef;
  int opt = 1;
  app.add_option("--model", model, "the .prototxt")->required();
  app.add_option("--weight", weight, "the .caffemodel");
  app.add_option("--shapes", shapes, "input shapes, as for bmnetc");
  app.add_option("--output_names", outputs, "outputs, as for bmnetc");
  app.add_option("--test_input", testInput, ".npy/.npz input (default: random)");
  app.add_option("--opt", opt, "0: imported graph, 1: optimised (default)")
      ->check(CLI::Range(0, 1));
  app.add_option("--out_ref", outRef, "where to write the outputs")->required();
  CLI11_PARSE(app, argc, argv);
  if (llvm::Error e =
          run(model, weight, shapes, outputs, testInput, opt, outRef)) {
    llvm::errs() << "bmnetc_ref: error: " << llvm::toString(std::move(e))
                 << "\n";
    return 1;
  }
  return 0;
}
