//===- CModel.h - the virtual TPU simulator ---------------------*- C++ -*-===//
//
// Runs one id-sync group of commands (a bmodel CmdGroup: bdc_num BDC and
// gdma_num GDMA descriptors) against simulated global and local memory.
// The two engines are in-order queues; a command starts when its engine is
// free and the other engine has completed a command with id >= its depId.
// Commands execute functionally in the order of their simulated start
// times, so a stream that lacks a needed dependency shows the same wrong
// result it would on the chip. The cmodel knows nothing of the IR.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_RUNTIME_CMODEL_CMODEL_H
#define ONNTC_RUNTIME_CMODEL_CMODEL_H

#include "isa/Commands.h"
#include "runtime/cmodel/Memory.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <vector>

namespace onntc {
namespace cmodel {

/// Timing of one executed command.
struct CommandRecord {
  isa::Engine engine = isa::Engine::BDC;
  /// Position in its engine's stream (0-based).
  uint32_t index = 0;
  uint32_t cmdId = 0;
  uint32_t tag = 0;
  uint8_t opcode = 0;
  uint64_t start = 0, end = 0;
  uint64_t macs = 0;
};

/// Totals for one tag (the backend's layer or group index).
struct TagRecord {
  uint64_t bdcCycles = 0, gdmaCycles = 0;
  uint32_t bdcCommands = 0, gdmaCommands = 0;
  uint64_t firstStart = UINT64_MAX, lastEnd = 0;
  uint64_t macs = 0;
};

/// The result of running commands.
struct Profile {
  /// Cycles from the first start to the last end (engines overlapped).
  uint64_t totalCycles = 0;
  uint64_t bdcBusyCycles = 0, gdmaBusyCycles = 0;
  uint32_t bdcCommands = 0, gdmaCommands = 0;
  uint64_t macs = 0;
  uint64_t gdmaGlobalBytes = 0;
  double clockMHz = 1;
  /// Per command (when RunOptions::recordCommands), in execution order.
  std::vector<CommandRecord> commands;
  std::map<uint32_t, TagRecord> tags;

  /// Simulated latency in microseconds at the target clock.
  double latencyUs() const { return double(totalCycles) / clockMHz; }
  /// macs / (totalCycles * peak MACs per cycle for dtype t).
  double macUtilization(const isa::TargetInfo &t, isa::DType dt) const;
  /// Appends a profile that ran after this one (e.g. the next CmdGroup):
  /// its times are shifted by this profile's totalCycles.
  void append(const Profile &next);
  /// Human-readable summary (totals and one line per tag).
  void print(llvm::raw_ostream &os) const;
};

struct RunOptions {
  /// Keep one CommandRecord per command.
  bool recordCommands = true;
  /// Execute the commands; when false only the timing is computed.
  bool execute = true;
};

/// The simulator for one target. Owns the memories; reusable across runs
/// (memory contents persist between runs, as on the device).
class CModel {
public:
  explicit CModel(const isa::TargetInfo &t) : target_(t), local_(t) {}

  const isa::TargetInfo &target() const { return target_; }
  GlobalMemory &global() { return global_; }
  LocalMemory &local() { return local_; }

  /// Decodes and runs one CmdGroup. Errors (bad descriptor, out-of-bounds
  /// access, a dependency on an id that is never issued, a deadlock) name
  /// the engine, command index, id, mnemonic and tag.
  llvm::Expected<Profile> run(llvm::ArrayRef<uint8_t> bdcBytes, uint32_t bdcNum,
                              llvm::ArrayRef<uint8_t> gdmaBytes,
                              uint32_t gdmaNum,
                              const RunOptions &opts = RunOptions());
  /// Runs already decoded streams (bdc must hold only BDC commands, gdma
  /// only GDMA commands).
  llvm::Expected<Profile> run(llvm::ArrayRef<isa::Command> bdc,
                              llvm::ArrayRef<isa::Command> gdma,
                              const RunOptions &opts = RunOptions());
  /// Executes one command immediately, ignoring id sync (for tests and for
  /// a runtime that issues commands one at a time).
  llvm::Error execute(const isa::Command &cmd);

private:
  const isa::TargetInfo &target_;
  GlobalMemory global_;
  LocalMemory local_;
};

} // namespace cmodel
} // namespace onntc

#endif
