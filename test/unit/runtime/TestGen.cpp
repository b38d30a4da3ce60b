//===- TestGen.cpp - runtime_testgen: context dirs for the lit tests ------===//
//
// runtime_testgen <kind> <dir> [BM1684|BM1684X]
//   sample       nets addrelu (stages [1,4,4,4], [1,4,8,8]) and conv
//   other        net addrelu2 (one stage [1,8,4,4]), for multi-file loads
//   extra        nets qadd (int8) and multi (two subnets, three cmd groups)
//   unsupported  nets dyn (dynamic) and cpu (CPU subnet), no reference data
//
//===----------------------------------------------------------------------===//
#include "TestModels.h"

#include "llvm/Support/raw_ostream.h"

using namespace onntc;

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) {
    llvm::errs()
        << "usage: runtime_testgen sample|other|extra|unsupported <dir> "
           "[BM1684|BM1684X]\n";
    return 2;
  }
  const isa::TargetInfo *t = isa::lookupTarget(argc == 4 ? argv[3] : "BM1684X");
  if (!t) {
    llvm::errs() << "runtime_testgen: unknown chip " << argv[3] << "\n";
    return 2;
  }
  std::string kind = argv[1];
  testmodels::SampleModel m = testmodels::makeModel(*t);
  if (kind == "sample") {
    testmodels::addAddReluNet(m, *t, "addrelu", {{1, 4, 4, 4}, {1, 4, 8, 8}},
                              11);
    testmodels::addConvNet(m, *t, "conv", 21);
  } else if (kind == "other") {
    testmodels::addAddReluNet(m, *t, "addrelu2", {{1, 8, 4, 4}}, 31);
  } else if (kind == "extra") {
    testmodels::addInt8AddNet(m, *t, "qadd", 41);
    testmodels::addMultiGroupNet(m, *t, "multi", 51);
  } else if (kind == "unsupported") {
    testmodels::addDynamicNet(m, "dyn");
    testmodels::addCpuSubnetNet(m, "cpu");
  } else {
    llvm::errs() << "runtime_testgen: unknown kind '" << kind << "'\n";
    return 2;
  }
  if (llvm::Error e = testmodels::writeContextDir(m, argv[2])) {
    llvm::errs() << "runtime_testgen: " << llvm::toString(std::move(e)) << "\n";
    return 1;
  }
  return 0;
}
