// aws-sdk for query-protocol services (query_sdk.hpp).
#include "runtime/aws/query_sdk.hpp"

#include "runtime/aws/protocol.hpp"

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>

namespace sc::aws {

namespace {

struct query_model_row {
  std::string_view name, version;
  const char* model;  ///< NUL-terminated (EC2's is too long for a constexpr string_view)
};

const query_model_row query_models[] = {
#include "runtime/aws/query_models.inc"
};

const query_model_row* row_of(std::string_view service) {
  for (const auto& r : query_models)
    if (r.name == service) return &r;
  return nullptr;
}

/// The parsed model of a service (parsed once, kept for the process).
const json::document* model_of(std::string_view service) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<json::document>, std::less<>> cache;
  const query_model_row* row = row_of(service);
  if (!row) return nullptr;
  std::lock_guard lock(mu);
  auto it = cache.find(service);
  if (it != cache.end()) return it->second.get();
  auto d = std::make_unique<json::document>();
  if (!json::parse(std::string_view(row->model), *d) || !d->IsObject()) d->SetObject();
  return (cache[std::string(service)] = std::move(d)).get();
}

const json::value* member(const json::value& obj, std::string_view key) {
  if (!obj.IsObject()) return nullptr;
  auto m = obj.FindMember(json::value(rapidjson::StringRef(key.data(), key.size())));
  return m == obj.MemberEnd() ? nullptr : &m->value;
}

std::string str(const json::value& v) {
  return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : std::string();
}

/// The operation's [input, output, resultWrapper], or nullptr.
const json::value* operation_of(const json::document& m, std::string_view op) {
  const json::value* ops = member(m, "o");
  const json::value* o = ops ? member(*ops, op) : nullptr;
  return o && o->IsArray() && o->Size() == 3 ? o : nullptr;
}

const json::value* shape_of(const json::value& m, const std::string& name) {
  const json::value* shapes = member(m, "s");
  return shapes ? member(*shapes, name) : nullptr;
}

std::string scalar_text(const json::value& v) {
  if (v.IsString()) return str(v);
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  if (v.IsNull()) return "";
  return json::dump(v);
}

// ---- JSON parameters → form ------------------------------------------------

struct serializer {
  const json::value& m;
  std::vector<std::pair<std::string, std::string>>& out;
  bool ec2 = false;  ///< EC2's dialect: queryName / capitalized locationName, lists always flattened

  static std::string join(const std::string& prefix, const std::string& name) {
    return prefix.empty() ? name : prefix + "." + name;
  }

  void value(const json::value* shape, const json::value& v, const std::string& key) {
    if (!shape || !shape->IsArray() || shape->Empty()) {  // scalar or unknown
      if (v.IsObject()) {
        for (auto& f : v.GetObject()) value(nullptr, f.value, join(key, f.name.GetString()));
      } else if (v.IsArray()) {
        rapidjson::SizeType i = 0;
        for (auto& e : v.GetArray()) value(nullptr, e, key + ".member." + std::to_string(++i));
      } else {
        out.emplace_back(key, scalar_text(v));
      }
      return;
    }
    const std::string kind = str((*shape)[0]);
    if (kind == "s" && v.IsObject()) {
      const json::value& members = (*shape)[1];
      for (auto& f : v.GetObject()) {
        std::string name(f.name.GetString(), f.name.GetStringLength());
        const json::value* mm = member(members, name);
        if (!mm) {  // not in the model: sent as it is
          value(nullptr, f.value, join(key, name));
          continue;
        }
        const std::string loc = mm->Size() > 1 ? str((*mm)[1]) : "";
        const std::string qn = mm->Size() > 2 ? str((*mm)[2]) : "";
        std::string wire = !loc.empty() ? loc : name;
        if (ec2) {
          wire = !qn.empty() ? qn : !loc.empty() ? loc : name;
          if (qn.empty() && !wire.empty() && wire[0] >= 'a' && wire[0] <= 'z') wire[0] = char(wire[0] - 'a' + 'A');
        }
        value(shape_of(m, str((*mm)[0])), f.value, join(key, wire));
      }
    } else if (kind == "l" && v.IsArray()) {
      const json::value* item = shape_of(m, str((*shape)[1]));
      const std::string item_name = str((*shape)[2]).empty() ? "member" : str((*shape)[2]);
      const bool flat = ec2 || ((*shape)[3].IsInt() && (*shape)[3].GetInt() == 1);
      if (v.Empty()) {
        out.emplace_back(key, "");
        return;
      }
      rapidjson::SizeType i = 0;
      for (auto& e : v.GetArray())
        value(item, e, (flat ? key : key + "." + item_name) + "." + std::to_string(++i));
    } else if (kind == "m" && v.IsObject()) {
      const json::value* vs = shape_of(m, str((*shape)[2]));
      const std::string kn = str((*shape)[3]).empty() ? "key" : str((*shape)[3]);
      const std::string vn = str((*shape)[4]).empty() ? "value" : str((*shape)[4]);
      const bool flat = (*shape)[5].IsInt() && (*shape)[5].GetInt() == 1;
      int i = 0;
      for (auto& f : v.GetObject()) {
        std::string base = (flat ? key : key + ".entry") + "." + std::to_string(++i);
        out.emplace_back(base + "." + kn, f.name.GetString());
        value(vs, f.value, base + "." + vn);
      }
    } else {
      value(nullptr, v, key);
    }
  }
};

// ---- XML answer → JSON ---------------------------------------------------------

struct reader {
  const json::value& m;

  std::string scalar(const std::string& type, const xml_element& e) {
    if (type == "in" || type == "lo") {
      char* end = nullptr;
      long long n = std::strtoll(e.text.c_str(), &end, 10);
      if (end && *end == 0 && !e.text.empty()) return std::to_string(n);
      return json::quote(e.text);
    }
    if (type == "do" || type == "fl") {
      char* end = nullptr;
      std::strtod(e.text.c_str(), &end);
      if (end && *end == 0 && !e.text.empty()) return e.text;
      return json::quote(e.text);
    }
    if (type == "bo") return e.text == "true" ? "true" : "false";
    return json::quote(e.text);
  }

  std::string list_items(const json::value& shape, const std::vector<const xml_element*>& items) {
    const json::value* item = shape_of(m, str(shape[1]));
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out += ",";
      out += convert(item, *items[i]);
    }
    return out + "]";
  }

  std::string map_entries(const json::value& shape, const std::vector<const xml_element*>& entries) {
    const json::value* vs = shape_of(m, str(shape[2]));
    const std::string kn = str(shape[3]).empty() ? "key" : str(shape[3]);
    const std::string vn = str(shape[4]).empty() ? "value" : str(shape[4]);
    std::string out = "{";
    bool first = true;
    for (const xml_element* e : entries) {
      const xml_element* k = e->child(kn);
      const xml_element* val = e->child(vn);
      if (!k) continue;
      if (!first) out += ",";
      first = false;
      out += json::quote(k->text) + ":" + (val ? convert(vs, *val) : "null");
    }
    return out + "}";
  }

  std::string convert(const json::value* shape, const xml_element& e) {
    if (!shape) return json::quote(e.text);
    if (shape->IsString()) return scalar(str(*shape), e);
    if (!shape->IsArray() || shape->Empty()) return json::quote(e.text);
    const std::string kind = str((*shape)[0]);
    if (kind == "s") {
      std::string out = "{";
      bool first = true;
      for (auto& f : (*shape)[1].GetObject()) {
        std::string name(f.name.GetString(), f.name.GetStringLength());
        std::string wire = f.value.Size() > 1 && !str(f.value[1]).empty() ? str(f.value[1]) : name;
        const json::value* ms = shape_of(m, str(f.value[0]));
        std::string v;
        const bool flat_list = ms && ms->IsArray() && !ms->Empty() && (str((*ms)[0]) == "l" || str((*ms)[0]) == "m") &&
                               (*ms)[str((*ms)[0]) == "l" ? 3 : 5].IsInt() &&
                               (*ms)[str((*ms)[0]) == "l" ? 3 : 5].GetInt() == 1;
        if (flat_list) {
          std::vector<const xml_element*> items;
          for (const auto& c : e.children)
            if (c.name == wire) items.push_back(&c);
          if (items.empty()) continue;
          v = str((*ms)[0]) == "l" ? list_items(*ms, items) : map_entries(*ms, items);
        } else {
          const xml_element* c = e.child(wire);
          if (!c) continue;
          v = convert(ms, *c);
        }
        if (!first) out += ",";
        first = false;
        out += json::quote(name) + ":" + v;
      }
      return out + "}";
    }
    if (kind == "l") {
      const std::string item_name = str((*shape)[2]).empty() ? "member" : str((*shape)[2]);
      std::vector<const xml_element*> items;
      for (const auto& c : e.children)
        if (c.name == item_name) items.push_back(&c);
      return list_items(*shape, items);
    }
    if (kind == "m") {
      std::vector<const xml_element*> entries;
      for (const auto& c : e.children)
        if (c.name == "entry") entries.push_back(&c);
      return map_entries(*shape, entries);
    }
    return json::quote(e.text);
  }
};

// ---- JSON → XML body (rest-xml) -------------------------------------------------

std::string xml_escape(std::string_view t) {
  std::string o;
  for (char c : t) {
    if (c == '&') o += "&amp;";
    else if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

struct xml_writer {
  const json::value& m;
  std::string out;

  void element(const std::string& name, const json::value* shape, const json::value& v) {
    // A flattened list repeats its element; everything else is one element.
    if (shape && shape->IsArray() && !shape->Empty() && str((*shape)[0]) == "l" && (*shape)[3].IsInt() &&
        (*shape)[3].GetInt() == 1 && v.IsArray()) {
      const json::value* item = shape_of(m, str((*shape)[1]));
      for (auto& e : v.GetArray()) element(name, item, e);
      return;
    }
    out += "<" + name + ">";
    content(shape, v);
    out += "</" + name + ">";
  }

  void content(const json::value* shape, const json::value& v) {
    const std::string kind = shape && shape->IsArray() && !shape->Empty() ? str((*shape)[0]) : "";
    if (kind == "s" && v.IsObject()) {
      const json::value& members = (*shape)[1];
      for (auto& f : v.GetObject()) {
        std::string name(f.name.GetString(), f.name.GetStringLength());
        const json::value* mm = member(members, name);
        std::string wire = mm && mm->Size() > 1 && !str((*mm)[1]).empty() ? str((*mm)[1]) : name;
        element(wire, mm ? shape_of(m, str((*mm)[0])) : nullptr, f.value);
      }
    } else if (kind == "l" && v.IsArray()) {
      const json::value* item = shape_of(m, str((*shape)[1]));
      const std::string item_name = str((*shape)[2]).empty() ? "member" : str((*shape)[2]);
      for (auto& e : v.GetArray()) element(item_name, item, e);
    } else if (kind == "m" && v.IsObject()) {
      const json::value* vs = shape_of(m, str((*shape)[2]));
      const std::string kn = str((*shape)[3]).empty() ? "key" : str((*shape)[3]);
      const std::string vn = str((*shape)[4]).empty() ? "value" : str((*shape)[4]);
      for (auto& f : v.GetObject()) {
        out += "<entry><" + kn + ">" + xml_escape(f.name.GetString()) + "</" + kn + ">";
        element(vn, vs, f.value);
        out += "</entry>";
      }
    } else if (v.IsObject() || v.IsArray()) {
      out += xml_escape(json::dump(v));
    } else {
      out += xml_escape(scalar_text(v));
    }
  }
};

// ---- XML -------------------------------------------------------------------------

struct xml_parser {
  std::string_view s;
  size_t i = 0;

  void skip_misc() {
    for (;;) {
      while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) ++i;
      if (s.compare(i, 4, "<!--") == 0) {
        auto e = s.find("-->", i);
        i = e == std::string_view::npos ? s.size() : e + 3;
      } else if (s.compare(i, 2, "<?") == 0 || s.compare(i, 2, "<!") == 0) {
        auto e = s.find('>', i);
        i = e == std::string_view::npos ? s.size() : e + 1;
      } else {
        return;
      }
    }
  }

  static std::string local(std::string_view n) {
    auto c = n.find(':');
    return std::string(c == std::string_view::npos ? n : n.substr(c + 1));
  }

  bool element(xml_element& out, int depth) {
    if (depth > 100 || i >= s.size() || s[i] != '<') return false;
    size_t b = ++i;
    while (i < s.size() && s[i] != '>' && s[i] != '/' && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' &&
           s[i] != '\r')
      ++i;
    out.name = local(s.substr(b, i - b));
    // attributes (skipped; quoted values may hold '>')
    while (i < s.size() && s[i] != '>' && !(s[i] == '/' && i + 1 < s.size() && s[i + 1] == '>')) {
      if (s[i] == '"' || s[i] == '\'') {
        auto e = s.find(s[i], i + 1);
        if (e == std::string_view::npos) return false;
        i = e;
      }
      ++i;
    }
    if (i >= s.size()) return false;
    if (s[i] == '/') {
      i += 2;
      return true;
    }
    ++i;  // '>'
    std::string raw;
    for (;;) {
      if (i >= s.size()) return false;
      if (s[i] != '<') {
        auto e = s.find('<', i);
        if (e == std::string_view::npos) return false;
        raw.append(s.substr(i, e - i));
        i = e;
        continue;
      }
      if (s.compare(i, 9, "<![CDATA[") == 0) {
        auto e = s.find("]]>", i);
        if (e == std::string_view::npos) return false;
        out.text += xml_unescape(raw);
        raw.clear();
        out.text.append(s.substr(i + 9, e - i - 9));
        i = e + 3;
        continue;
      }
      if (s.compare(i, 4, "<!--") == 0) {
        auto e = s.find("-->", i);
        if (e == std::string_view::npos) return false;
        i = e + 3;
        continue;
      }
      if (s.compare(i, 2, "</") == 0) {
        auto e = s.find('>', i);
        if (e == std::string_view::npos) return false;
        i = e + 1;
        out.text += xml_unescape(raw);
        if (!out.children.empty()) {  // mixed content: keep only text around nothing
          bool blank = true;
          for (char c : out.text) blank = blank && (c == ' ' || c == '\n' || c == '\r' || c == '\t');
          if (blank) out.text.clear();
        }
        return true;
      }
      out.children.emplace_back();
      if (!element(out.children.back(), depth + 1)) return false;
    }
  }
};

}  // namespace

const xml_element* xml_element::child(std::string_view n) const {
  for (const auto& c : children)
    if (c.name == n) return &c;
  return nullptr;
}

bool parse_xml(std::string_view xml, xml_element& root) {
  xml_parser p{xml};
  p.skip_misc();
  return p.element(root, 0);
}

std::string xml_to_json(const json::value& model, const std::string& shape, const xml_element& e) {
  reader r{model};
  return r.convert(shape_of(model, shape), e);
}

std::string json_to_xml(const json::value& model, const std::string& shape, const json::value& v,
                        const std::string& root, const std::string& ns) {
  xml_writer w{model, {}};
  w.out = "<" + root + (ns.empty() ? "" : " xmlns=\"" + xml_escape(ns) + "\"") + ">";
  w.content(shape_of(model, shape), v);
  w.out += "</" + root + ">";
  return w.out;
}

std::string_view query_api_version(std::string_view service) {
  const query_model_row* r = row_of(service);
  return r ? r->version : std::string_view();
}

bool query_has_operation(std::string_view service, std::string_view operation) {
  const json::document* m = model_of(service);
  return m && operation_of(*m, operation);
}

bool query_params(std::string_view service, std::string_view operation, const json::value& params,
                  std::vector<std::pair<std::string, std::string>>& out, std::string& err) {
  if (!params.IsObject()) {
    err = "The parameters of '" + std::string(operation) + "' must be a JSON object.";
    return false;
  }
  const json::document* m = model_of(service);
  if (!m) {
    err = "no model of " + std::string(service);
    return false;
  }
  const json::value* op = operation_of(*m, operation);
  const json::value* in = op ? shape_of(*m, str((*op)[0])) : nullptr;
  serializer s{*m, out, m->HasMember("ec2")};
  s.value(in, params, "");
  return true;
}

std::string query_result_json(std::string_view service, std::string_view operation, std::string_view xml) {
  const json::document* m = model_of(service);
  const json::value* op = m ? operation_of(*m, operation) : nullptr;
  if (!op || str((*op)[1]).empty()) return "{}";
  xml_element root;
  if (!parse_xml(xml, root)) return "{}";
  const xml_element* result = &root;
  if (std::string wrapper = str((*op)[2]); !wrapper.empty()) {
    result = root.child(wrapper);
    if (!result) return "{}";
  }
  reader r{*m};
  std::string out = r.convert(shape_of(*m, str((*op)[1])), *result);
  return out.empty() || out[0] != '{' ? "{}" : out;
}

}  // namespace sc::aws
