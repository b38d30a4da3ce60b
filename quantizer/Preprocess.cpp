//===- Preprocess.cpp - dataset image -> network input -------------------===//
#include "quantizer/Preprocess.h"

#include "ir/Diagnostics.h"
#include "ir/Printer.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"

#include <opencv2/imgproc.hpp>

namespace onntc {

static llvm::Expected<std::vector<float>> parseFloatList(llvm::StringRef item,
                                                         llvm::StringRef v) {
  llvm::SmallVector<llvm::StringRef, 4> parts;
  v.split(parts, ':');
  std::vector<float> out;
  for (llvm::StringRef p : parts) {
    double d;
    if (p.trim().getAsDouble(d))
      return makeError("preprocess item '" + item + "': '" + p +
                       "' is not a number");
    out.push_back(float(d));
  }
  return out;
}

llvm::Expected<Preprocess> parsePreprocess(llvm::StringRef spec) {
  Preprocess p;
  llvm::SmallVector<llvm::StringRef, 8> items;
  llvm::SmallVector<llvm::StringRef, 8> groups;
  spec.split(groups, ';', -1, false);
  for (llvm::StringRef g : groups)
    g.split(items, ',', -1, false);
  for (llvm::StringRef raw : items) {
    llvm::StringRef item = raw.trim();
    if (item.empty())
      continue;
    auto [key, val] = item.split('=');
    key = key.trim();
    val = val.trim().trim("'\"");
    if (!item.contains('='))
      return makeError("preprocess item '" + item +
                       "' has no '=' (expected e.g. resize_h=224)");
    if (key == "resize_h" || key == "resize_w") {
      int v;
      if (val.getAsInteger(10, v) || v <= 0)
        return makeError("preprocess item '" + item +
                         "': expected a positive integer");
      (key == "resize_h" ? p.resizeH : p.resizeW) = v;
    } else if (key == "mean_value" || key == "mean") {
      auto l = parseFloatList(item, val);
      if (!l)
        return l.takeError();
      p.mean = std::move(*l);
    } else if (key == "scale") {
      auto l = parseFloatList(item, val);
      if (!l)
        return l.takeError();
      p.scale = std::move(*l);
    } else if (key == "bgr2rgb") {
      std::string v = val.lower();
      if (v == "true" || v == "1")
        p.bgr2rgb = true;
      else if (v == "false" || v == "0")
        p.bgr2rgb = false;
      else
        return makeError("preprocess item '" + item +
                         "': expected True or False");
    } else {
      return makeError("unknown preprocess item '" + key +
                       "' (expected resize_h, resize_w, mean_value, scale, "
                       "bgr2rgb)");
    }
  }
  if ((p.resizeH == 0) != (p.resizeW == 0))
    return makeError("preprocess: give both resize_h and resize_w, or neither");
  return p;
}

std::string Preprocess::str() const {
  std::string s;
  auto list = [](const std::vector<float> &v) {
    std::string r;
    for (size_t i = 0; i < v.size(); ++i)
      r += (i ? ":" : "") + formatFloat(v[i]);
    return r;
  };
  if (resizeH)
    s += "resize_h=" + std::to_string(resizeH) +
         ",resize_w=" + std::to_string(resizeW) + ";";
  std::vector<std::string> parts;
  if (!mean.empty())
    parts.push_back("mean_value=" + list(mean));
  if (!scale.empty())
    parts.push_back("scale=" + list(scale));
  parts.push_back(std::string("bgr2rgb=") + (bgr2rgb ? "True" : "False"));
  return s + llvm::join(parts, ",");
}

llvm::Error preprocessInto(const Image &img, const Preprocess &p, Tensor &out,
                           int64_t n, llvm::StringRef what) {
  const Shape &s = out.shape();
  assert(out.dtype() == DType::F32 && s.rank() == 4 && n < s[0]);
  int C = int(s[1]), H = int(s[2]), W = int(s[3]);
  if (img.channels != C)
    return makeError(what + ": the image has " + llvm::Twine(img.channels) +
                     " channels but the network input takes " + llvm::Twine(C) +
                     " (make the dataset with or without --gray to match)");
  for (const auto *v : {&p.mean, &p.scale})
    if (v->size() > 1 && int(v->size()) != C)
      return makeError(what + ": the preprocessing gives " +
                       llvm::Twine(v->size()) + " mean/scale values for " +
                       llvm::Twine(C) + " channels");
  int h = img.height, w = img.width;
  size_t plane = size_t(H) * W;
  float *dst = out.data<float>() + size_t(n) * C * plane;
  if (p.resizeH && (p.resizeH != H || p.resizeW != W))
    return makeError(what + ": the preprocessing resizes to " +
                     llvm::Twine(p.resizeH) + "x" + llvm::Twine(p.resizeW) +
                     " but the network input is " + llvm::Twine(H) + "x" +
                     llvm::Twine(W) + " (fix resize_h/resize_w)");
  bool resize = h != H || w != W;
  if (resize && !p.resizeH)
    return makeError(what + ": the image is " + llvm::Twine(h) + "x" +
                     llvm::Twine(w) + " but the network input is " +
                     llvm::Twine(H) + "x" + llvm::Twine(W) +
                     " (resize the dataset with convert_imageset "
                     "--resize_height/--resize_width, or state a resize)");
  for (int c = 0; c < C; ++c) {
    int srcC = p.bgr2rgb && C == 3 ? 2 - c : c;
    const float *src = img.data.data() + size_t(srcC) * h * w;
    float *d = dst + size_t(c) * plane;
    if (resize) {
      cv::Mat in(h, w, CV_32F, const_cast<float *>(src));
      cv::Mat o(H, W, CV_32F, d);
      cv::resize(in, o, cv::Size(W, H), 0, 0, cv::INTER_LINEAR);
    } else {
      std::copy(src, src + plane, d);
    }
    float m = p.mean.empty() ? 0.f : p.mean[p.mean.size() == 1 ? 0 : c];
    float k = p.scale.empty() ? 1.f : p.scale[p.scale.size() == 1 ? 0 : c];
    for (size_t i = 0; i < plane; ++i)
      d[i] = (d[i] - m) * k;
  }
  return llvm::Error::success();
}

} // namespace onntc
