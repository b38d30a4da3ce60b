//===- AutoCaliReport.h - auto_cali's report, text and HTML -----*- C++ -*-===//
//
// The report auto_cali writes next to its outputs: the strategies tried
// with their output cosines (the chosen one marked), the layers the FP32
// fallback kept, and the per-layer cosine along the net for the chosen
// strategy. The HTML form is one self-contained file (inline CSS and an
// inline SVG plot, no external assets).
//
//===----------------------------------------------------------------------===//
#ifndef ONNTC_QUANTIZER_AUTOCALIREPORT_H
#define ONNTC_QUANTIZER_AUTOCALIREPORT_H

#include "quantizer/AutoCali.h"

#include <string>
#include <vector>

namespace onntc {

/// What the report states besides the search result.
struct AutoCaliReportInfo {
  std::string netName, model, target, dataset;
  size_t caliImages = 0, testImages = 0;
  double targetCosine = 0.99;
  std::vector<std::string> outputNames;
  std::vector<std::string> warnings;
  std::vector<std::string> files;
  std::string compileNote; ///< How the bmodel was made (or why not).
};

std::string autoCaliReportText(const AutoCaliReportInfo &info,
                               const AutoCaliResult &r);
std::string autoCaliReportHtml(const AutoCaliReportInfo &info,
                               const AutoCaliResult &r);

} // namespace onntc

#endif
