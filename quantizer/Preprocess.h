//===- Preprocess.h - turning dataset images into network inputs -*- C++ -*-===//
//
// The preprocessing a Data layer (or auto_cali's --cali_image_preprocess)
// states, applied to a dataset image in this order: resize (bilinear, when a
// size is given and differs), bgr2rgb (swap channels 0 and 2), then per
// channel y = (x - mean[c]) * scale[c] (the SDK's STAND op). One mean or scale
// value applies to every channel.
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_QUANTIZER_PREPROCESS_H
#define ONNTC_QUANTIZER_PREPROCESS_H

#include "quantizer/Dataset.h"

#include "ir/Tensor.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace onntc {

struct Preprocess {
  int resizeH = 0; ///< 0: keep the stored size.
  int resizeW = 0;
  std::vector<float> mean;  ///< Empty: 0.
  std::vector<float> scale; ///< Empty: 1.
  bool bgr2rgb = false;
  bool operator==(const Preprocess &o) const {
    return resizeH == o.resizeH && resizeW == o.resizeW && mean == o.mean &&
           scale == o.scale && bgr2rgb == o.bgr2rgb;
  }
  /// The auto_cali text form of this spec.
  std::string str() const;
};

/// Parses auto_cali's `--cali_image_preprocess` form:
/// `resize_h=224,resize_w=224;mean_value=103.94:116.78:123.68,scale=0.017,bgr2rgb=True`
/// (items separated by ',' or ';'; scale may be one value or one per
/// channel, `s1:s2:s3`). Errors name the offending item.
llvm::Expected<Preprocess> parsePreprocess(llvm::StringRef spec);

/// Applies `p` to `img` and writes the result into batch slot `n` of `out`,
/// an F32 tensor (N, C, H, W). Fails, naming `what`, when the channel count
/// or (after the resize) the size differ from the tensor's.
llvm::Error preprocessInto(const Image &img, const Preprocess &p, Tensor &out,
                           int64_t n, llvm::StringRef what);

} // namespace onntc

#endif
