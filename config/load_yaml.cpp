// Reading the config file: the YAML walker over the key table (fields.hpp)
// and the sections with their own readers (load_security.cpp,
// outbound_load.cpp). yaml-cpp reports errors by throwing; every call into
// it is inside a try/catch so that load_file() never throws.
#include "config/fields.hpp"
#include "config/load.hpp"
#include "config/load_security.hpp"
#include "config/outbound_load.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

namespace sc::config {
namespace {
using namespace detail;

// ---------------------------------------------------------------------------
// YAML.

std::string location(const std::string& path, const YAML::Mark& m) {
  if (m.line < 0) return path + ": ";
  return path + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ": ";
}

const char* kind(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Scalar: return "a value";
    default: return "nothing";
  }
}

/// Applies one `section.key: value` pair, reporting into `out`.
void apply_value(const field& f, const YAML::Node& value, const YAML::Mark& key_mark,
                 const std::string& path, settings& s, std::vector<std::string>& out) {
  const YAML::Mark where = value.IsNull() ? key_mark : value.Mark();
  const std::string prefix = location(path, where) + f.path() + ": ";
  if (value.IsNull()) {
    // An empty value means "" where that is allowed (node_id:, redis_url:).
    if (!f.parse("", s)) out.push_back(prefix + f.rule + " (got nothing)");
    return;
  }
  if (value.IsSequence() && f.list) {
    std::string joined;
    for (const auto& item : value) {
      if (!item.IsScalar()) {
        out.push_back(prefix + f.rule + " (got " + kind(item) + " in the list)");
        return;
      }
      joined += (joined.empty() ? "" : ",") + item.Scalar();
    }
    if (!f.parse(joined, s)) out.push_back(prefix + f.complaint(joined));
    return;
  }
  if (!value.IsScalar()) {
    out.push_back(prefix + f.rule + " (got " + kind(value) + ")");
    return;
  }
  const std::string text = value.Scalar();
  if (!f.parse(text, s)) out.push_back(prefix + f.complaint(text));
}

void apply_section(const std::string& section, const YAML::Node& body,
                   const std::string& path, settings& s, std::vector<std::string>& out) {
  if (body.IsNull()) return;  // "node:" with every key commented out
  if (!body.IsMap()) {
    out.push_back(location(path, body.Mark()) + section + ": must be a mapping of keys (got " +
                  kind(body) + ")");
    return;
  }
  std::map<std::string, int> seen;  // key -> line (1-based) of its first use
  // Nodes are copied out of the pair: yaml-cpp's iterator yields a proxy
  // whose members must not be bound by reference.
  for (const auto& kv : body) {
    const YAML::Node k = kv.first;
    const YAML::Node v = kv.second;
    const YAML::Mark km = k.Mark();
    if (!k.IsScalar()) {
      out.push_back(location(path, km) + section + ": keys must be plain names (got " +
                    kind(k) + ")");
      continue;
    }
    const std::string key = k.Scalar();
    const field* f = find_field(section, key);
    if (!f) {
      std::string msg = location(path, km) + section + "." + key + ": unknown key";
      if (auto sug = suggest_key(section, key)) msg += " (did you mean '" + *sug + "'?)";
      out.push_back(msg);
      continue;
    }
    auto [pos, fresh] = seen.emplace(key, km.line + 1);
    if (!fresh) {
      out.push_back(location(path, km) + f->path() + ": duplicate key (first set at line " +
                    std::to_string(pos->second) + ")");
      continue;
    }
    apply_value(*f, v, km, path, s, out);
  }
}

void apply_document(const YAML::Node& root, const std::string& path, settings& s,
                    std::vector<std::string>& out) {
  if (root.IsNull()) return;  // empty file: all defaults
  if (!root.IsMap()) {
    std::string names;
    for (const auto& n : section_names()) names += (names.empty() ? "" : ", ") + n;
    out.push_back(location(path, root.Mark()) + "top level: must be a mapping of sections (" +
                  names + "), got " + kind(root));
    return;
  }
  std::map<std::string, int> seen;
  // Nodes are copied out of the pair: yaml-cpp's iterator yields a proxy
  // whose members must not be bound by reference.
  for (const auto& kv : root) {
    const YAML::Node k = kv.first;
    const YAML::Node v = kv.second;
    const YAML::Mark km = k.Mark();
    if (!k.IsScalar()) {
      out.push_back(location(path, km) + "top level: keys must be section names (got " +
                    kind(k) + ")");
      continue;
    }
    const std::string name = k.Scalar();
    if (detail::is_security_section(name)) {  // auth:, throttling: (load_security.cpp)
      if (!seen.emplace(name, km.line + 1).second)
        out.push_back(location(path, km) + "duplicate section '" + name + "'");
      else
        detail::apply_security_section(name, v, path, s, out);
      continue;
    }
    if (detail::is_outbound_key(name)) {  // outbound:, connections: (outbound_load.cpp)
      if (!seen.emplace(name, km.line + 1).second)
        out.push_back(location(path, km) + "duplicate section '" + name + "'");
      else
        detail::apply_outbound_key(name, v, path, s, out);
      continue;
    }
    if (std::find(section_names().begin(), section_names().end(), name) ==
        section_names().end()) {
      std::string msg = location(path, km) + "unknown key '" + name + "' at top level";
      if (auto sug = suggest_key("", name)) msg += " (did you mean '" + *sug + "'?)";
      out.push_back(msg);
      continue;
    }
    auto [pos, fresh] = seen.emplace(name, km.line + 1);
    if (!fresh) {
      out.push_back(location(path, km) + "duplicate section '" + name + "' (first at line " +
                    std::to_string(pos->second) + ")");
      continue;
    }
    apply_section(name, v, path, s, out);
  }
}

}  // namespace

std::vector<std::string> load_file(const std::string& path, settings& s) {
  std::vector<std::string> out;
  try {
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      const int err = errno;
      out.push_back(path + ": cannot read config file: " +
                    (err ? std::strerror(err) : "open failed"));
      return out;
    }
    std::vector<YAML::Node> docs;
    try {
      docs = YAML::LoadAll(in);
    } catch (const YAML::Exception& e) {
      out.push_back(location(path, e.mark) + "YAML syntax error: " + e.msg);
      return out;
    }
    if (docs.size() > 1) {
      out.push_back(location(path, docs[1].Mark()) + "only one YAML document is allowed (found " +
                    std::to_string(docs.size()) + ")");
      return out;
    }
    if (!docs.empty()) apply_document(docs.front(), path, s, out);
  } catch (const YAML::Exception& e) {
    out.push_back(location(path, e.mark) + "YAML error: " + e.msg);
  } catch (const std::exception& e) {
    out.push_back(path + ": cannot load config file: " + e.what());
  } catch (...) {
    out.push_back(path + ": cannot load config file");
  }
  return out;
}

}  // namespace sc::config
