//===- MxnetTestUtil.h - build MXNet files in memory for tests -*- C++ -*-===//
#ifndef ONNTC_TEST_UNIT_FRONTENDS_MXNET_MXNETTESTUTIL_H
#define ONNTC_TEST_UNIT_FRONTENDS_MXNET_MXNETTESTUTIL_H

#include "frontends/mxnet/MxnetModel.h"

#include <cstring>
#include <string>
#include <vector>

namespace onntc::test {

struct ArraySpec {
  std::string name; ///< with the arg:/aux: prefix
  std::vector<int64_t> shape;
  std::vector<float> data;
};

template <typename T> void put(std::string &out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

/// An NDArray list in `layout` with float32 arrays.
inline std::string makeParams(const std::vector<ArraySpec> &arrays,
                              MxNDArrayLayout layout) {
  std::string out;
  put<uint64_t>(out, 0x112);
  put<uint64_t>(out, 0);
  put<uint64_t>(out, arrays.size());
  for (const ArraySpec &a : arrays) {
    switch (layout) {
    case MxNDArrayLayout::Legacy:
      put<uint32_t>(out, uint32_t(a.shape.size()));
      for (int64_t d : a.shape)
        put<uint32_t>(out, uint32_t(d));
      break;
    case MxNDArrayLayout::V1:
      put<uint32_t>(out, 0xF993FAC8u);
      put<uint32_t>(out, uint32_t(a.shape.size()));
      for (int64_t d : a.shape)
        put<int64_t>(out, d);
      break;
    case MxNDArrayLayout::V2:
    case MxNDArrayLayout::V3:
      put<uint32_t>(out,
                    layout == MxNDArrayLayout::V2 ? 0xF993FAC9u : 0xF993FACAu);
      put<int32_t>(out, 0); // dense
      put<uint32_t>(out, uint32_t(a.shape.size()));
      for (int64_t d : a.shape)
        put<int64_t>(out, d);
      break;
    }
    put<int32_t>(out, 1); // cpu
    put<int32_t>(out, 0);
    put<int32_t>(out, 0); // float32
    for (float f : a.data)
      put<float>(out, f);
  }
  put<uint64_t>(out, arrays.size());
  for (const ArraySpec &a : arrays) {
    put<uint64_t>(out, a.name.size());
    out += a.name;
  }
  return out;
}

} // namespace onntc::test

#endif
