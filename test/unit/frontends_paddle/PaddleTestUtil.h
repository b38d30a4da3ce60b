//===- PaddleTestUtil.h - small Paddle programs built in tests -*- C++ -*-===//
#ifndef ONNTC_TEST_UNIT_FRONTENDS_PADDLE_PADDLETESTUTIL_H
#define ONNTC_TEST_UNIT_FRONTENDS_PADDLE_PADDLETESTUTIL_H

#include "frontends/paddle/PaddleImporter.h"
#include "ir/Interpreter.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace onntc::test {

using OpDesc = ::paddle::framework::proto::OpDesc;
using Slots = std::vector<std::pair<std::string, std::vector<std::string>>>;

/// Builds block 0 of a program op by op, declaring variables as it goes.
class ProgramBuilder {
public:
  ProgramBuilder() {
    auto *b = prog_.add_blocks();
    b->set_idx(0);
    b->set_parent_idx(-1);
  }
  PaddleProgram &program() { return prog_; }
  ::paddle::framework::proto::BlockDesc &block() {
    return *prog_.mutable_blocks(0);
  }

  void var(const std::string &name, std::vector<int64_t> dims,
           bool persistable = false, int dtype = PaddleVarType::FP32) {
    auto *v = block().add_vars();
    v->set_name(name);
    v->mutable_type()->set_type(PaddleVarType::LOD_TENSOR);
    auto *t = v->mutable_type()->mutable_lod_tensor()->mutable_tensor();
    t->set_data_type(PaddleVarType::Type(dtype));
    for (int64_t d : dims)
      t->add_dims(d);
    v->set_persistable(persistable);
  }
  /// A persistable variable with data.
  void param(const std::string &name, Tensor t) {
    var(name, std::vector<int64_t>(t.shape().dims().begin(),
                                   t.shape().dims().end()),
        true);
    params_[name] = std::move(t);
  }
  OpDesc &op(const std::string &type, const Slots &ins, const Slots &outs) {
    OpDesc *o = block().add_ops();
    o->set_type(type);
    for (const auto &[slot, args] : ins) {
      auto *v = o->add_inputs();
      v->set_parameter(slot);
      for (const auto &a : args)
        v->add_arguments(a);
    }
    for (const auto &[slot, args] : outs) {
      auto *v = o->add_outputs();
      v->set_parameter(slot);
      for (const auto &a : args)
        v->add_arguments(a);
    }
    return *o;
  }
  void feed(const std::string &name, std::vector<int64_t> dims, int col = 0) {
    var(name, dims);
    setInt(op("feed", {{"X", {"feed"}}}, {{"Out", {name}}}), "col", col);
  }
  void fetch(const std::string &name, int col = 0) {
    setInt(op("fetch", {{"X", {name}}}, {{"Out", {"fetch"}}}), "col", col);
  }
  const llvm::StringMap<Tensor> &params() const { return params_; }

  static void setInt(OpDesc &o, const std::string &n, int v) {
    auto *a = o.add_attrs();
    a->set_name(n);
    a->set_type(::paddle::framework::proto::INT);
    a->set_i(v);
  }
  static void setFloat(OpDesc &o, const std::string &n, float v) {
    auto *a = o.add_attrs();
    a->set_name(n);
    a->set_type(::paddle::framework::proto::FLOAT);
    a->set_f(v);
  }
  static void setBool(OpDesc &o, const std::string &n, bool v) {
    auto *a = o.add_attrs();
    a->set_name(n);
    a->set_type(::paddle::framework::proto::BOOLEAN);
    a->set_b(v);
  }
  static void setString(OpDesc &o, const std::string &n, const std::string &v) {
    auto *a = o.add_attrs();
    a->set_name(n);
    a->set_type(::paddle::framework::proto::STRING);
    a->set_s(v);
  }
  static void setInts(OpDesc &o, const std::string &n,
                      std::vector<int> v) {
    auto *a = o.add_attrs();
    a->set_name(n);
    a->set_type(::paddle::framework::proto::INTS);
    for (int x : v)
      a->add_ints(x);
  }

private:
  PaddleProgram prog_;
  llvm::StringMap<Tensor> params_;
};

/// A tensor of `shape` with values 0.1 * ((i * 7) % 13 - 6).
inline Tensor ramp(Shape shape) {
  Tensor t(DType::F32, shape);
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.data<float>()[i] = 0.1f * float((i * 7) % 13 - 6);
  return t;
}

/// Imports and runs the program on `inputs`; fails the test on an error.
inline std::vector<Tensor> importAndRun(ProgramBuilder &b,
                                        std::vector<Tensor> inputs,
                                        PaddleImportOptions opts = {}) {
  auto m = importPaddleProgram(b.program(), b.params(), "test.pdmodel", opts);
  if (!m)
    FAIL(llvm::toString(m.takeError()));
  KernelContext ctx(1);
  auto r = runGraph((*m)->graph, inputs, ctx);
  if (!r)
    FAIL(llvm::toString(r.takeError()));
  return std::move(*r);
}

/// The importer's error text ("" when it succeeds).
inline std::string importError(ProgramBuilder &b,
                               PaddleImportOptions opts = {}) {
  auto m = importPaddleProgram(b.program(), b.params(), "test.pdmodel", opts);
  if (m)
    return "";
  return llvm::toString(m.takeError());
}

/// One LoDTensor record as Paddle writes it (with `lodLevels` empty levels).
inline std::string lodTensorRecord(const Tensor &t, int dtype = 5,
                                   uint64_t lodLevels = 0) {
  std::string s;
  auto put = [&](const void *p, size_t n) {
    s.append(static_cast<const char *>(p), n);
  };
  uint32_t v = 0;
  put(&v, 4);
  put(&lodLevels, 8);
  for (uint64_t l = 0; l < lodLevels; ++l) {
    uint64_t bytes = 16, offs[2] = {0, 1};
    put(&bytes, 8);
    put(offs, 16);
  }
  put(&v, 4);
  PaddleVarType::TensorDesc d;
  d.set_data_type(PaddleVarType::Type(dtype));
  for (int64_t x : t.shape().dims())
    d.add_dims(x);
  std::string ds = d.SerializeAsString();
  int32_t n = int32_t(ds.size());
  put(&n, 4);
  s += ds;
  put(t.raw(), t.byteSize());
  return s;
}

inline llvm::ArrayRef<uint8_t> bytes(const std::string &s) {
  return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
}

} // namespace onntc::test

#endif
