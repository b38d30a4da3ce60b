//===- MxnetSymbol.cpp - MXNet -symbol.json parsing -----------------------===//
//
// The symbol file is JSON: {"nodes": [...], "arg_nodes": [...], "heads":
// [...]}. Each node has "op", "name", "inputs" ([[id, index], ...] in old
// files, [[id, index, version], ...] in new ones) and attributes under
// "param" (MXNet < 0.9), "attr" or "attrs" (newer). Read with nlohmann-json;
// every structural problem is an error naming the file and the node.
//
//===----------------------------------------------------------------------===//
#include "frontends/mxnet/MxnetModel.h"

#include "ir/Diagnostics.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <nlohmann/json.hpp>

namespace onntc {

using nlohmann::json;

namespace {

/// An attribute value as MXNet writes it (always a string); numbers and
/// booleans in hand-written files are accepted and printed back as text.
llvm::Expected<std::string> attrText(const json &v, llvm::StringRef where) {
  if (v.is_string())
    return v.get<std::string>();
  if (v.is_number() || v.is_boolean())
    return v.dump();
  return makeError(where + ": attribute values must be strings, not " +
                   v.type_name());
}

llvm::Expected<MxEntry> parseEntry(const json &v, llvm::StringRef where) {
  if (!v.is_array() || v.size() < 2 || v.size() > 3)
    return makeError(where +
                     ": expected [node, index] or [node, index, "
                     "version], got " +
                     v.dump());
  for (const json &x : v)
    if (!x.is_number_integer() || x.get<int64_t>() < 0 ||
        x.get<int64_t>() > int64_t(UINT32_MAX))
      return makeError(where + ": entry " + v.dump() +
                       " must hold non-negative integers");
  MxEntry e;
  e.node = uint32_t(v[0].get<int64_t>());
  e.index = uint32_t(v[1].get<int64_t>());
  return e;
}

} // namespace

llvm::Expected<MxSymbol> parseMxnetSymbol(llvm::StringRef text,
                                          llvm::StringRef fileName) {
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::exception &e) {
    return makeError(
        fileName + ": not a valid MXNet symbol file (JSON: " + e.what() + ")");
  }
  if (!root.is_object() || !root.contains("nodes") || !root["nodes"].is_array())
    return makeError(fileName + ": not an MXNet symbol file (no \"nodes\" "
                                "array); pass the -symbol.json as --model");
  MxSymbol sym;
  const json &nodes = root["nodes"];
  for (size_t i = 0; i < nodes.size(); ++i) {
    const json &jn = nodes[i];
    std::string where = fileName.str() + ": node #" + std::to_string(i);
    if (!jn.is_object())
      return makeError(where + " is not a JSON object");
    MxNode n;
    if (!jn.contains("op") || !jn["op"].is_string())
      return makeError(where + " has no \"op\" string");
    if (!jn.contains("name") || !jn["name"].is_string())
      return makeError(where + " has no \"name\" string");
    n.op = jn["op"].get<std::string>();
    n.name = jn["name"].get<std::string>();
    where = fileName.str() + ": node '" + n.name + "' (" + n.op + ")";
    // Old files keep op parameters in "param"; new ones in "attrs" (or
    // "attr" in some versions). User attributes may appear in both.
    for (const char *key : {"param", "attr", "attrs"}) {
      if (!jn.contains(key))
        continue;
      const json &a = jn[key];
      if (!a.is_object())
        return makeError(where + ": \"" + key + "\" is not an object");
      for (auto it = a.begin(); it != a.end(); ++it) {
        auto v = attrText(it.value(), where + " attribute '" + it.key() + "'");
        if (!v)
          return v.takeError();
        n.attrs[it.key()] = std::move(*v);
      }
    }
    if (!jn.contains("inputs") || !jn["inputs"].is_array())
      return makeError(where + " has no \"inputs\" array");
    for (const json &in : jn["inputs"]) {
      auto e = parseEntry(in, where + " input");
      if (!e)
        return e.takeError();
      if (e->node >= i)
        return makeError(where + ": input " + in.dump() +
                         " refers to a node that is not before it (node ids "
                         "must be topologically ordered)");
      n.inputs.push_back(*e);
    }
    sym.nodes.push_back(std::move(n));
  }
  if (root.contains("arg_nodes")) {
    const json &a = root["arg_nodes"];
    if (!a.is_array())
      return makeError(fileName + ": \"arg_nodes\" is not an array");
    for (const json &x : a) {
      if (!x.is_number_integer() || x.get<int64_t>() < 0 ||
          x.get<int64_t>() >= int64_t(sym.nodes.size()))
        return makeError(fileName + ": arg_nodes entry " + x.dump() +
                         " is not a node id");
      sym.argNodes.push_back(uint32_t(x.get<int64_t>()));
    }
  }
  if (!root.contains("heads") || !root["heads"].is_array())
    return makeError(fileName + ": no \"heads\" array (the graph outputs)");
  for (const json &h : root["heads"]) {
    auto e = parseEntry(h, (fileName + ": heads").str());
    if (!e)
      return e.takeError();
    if (e->node >= sym.nodes.size())
      return makeError(fileName + ": head " + h.dump() + " names node " +
                       std::to_string(e->node) + " but there are only " +
                       std::to_string(sym.nodes.size()) + " nodes");
    sym.heads.push_back(*e);
  }
  if (sym.heads.empty())
    return makeError(fileName + ": the symbol has no heads (outputs)");
  return sym;
}

llvm::Expected<MxSymbol> readMxnetSymbolFile(llvm::StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/true,
                                         /*RequiresNullTerminator=*/false);
  if (!buf)
    return makeError("cannot read MXNet symbol '" + path +
                     "': " + buf.getError().message());
  return parseMxnetSymbol((*buf)->getBuffer(), llvm::sys::path::filename(path));
}

} // namespace onntc
