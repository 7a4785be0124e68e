// Distributed Map's S3 formats (s3_items.hpp).
#include "runtime/aws/s3_items.hpp"

#include "runtime/aws/protocol.hpp"
#include "runtime/model/time.hpp"

#include <rapidjson/pointer.h>

namespace sc::aws {

namespace {

json::value str(std::string_view s, json::allocator& a) {
  return json::value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

/// End of the first complete CSV record in `buf` from `from` (the index of
/// its newline), or npos. Newlines inside quotes do not end a record.
size_t csv_record_end(std::string_view buf) {
  bool quoted = false;
  for (size_t i = 0; i < buf.size(); ++i) {
    char c = buf[i];
    if (c == '"') quoted = !quoted;
    else if (c == '\n' && !quoted) return i;
  }
  return std::string_view::npos;
}

bool json_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/// End (one past) of the JSON value starting at buf[pos], or npos when it
/// is not complete in `buf`. Only the structure is followed (brackets and
/// strings); the value is parsed properly once its end is known.
size_t json_value_end(std::string_view buf, size_t pos) {
  const char c0 = buf[pos];
  if (c0 == '{' || c0 == '[' || c0 == '"') {
    int depth = 0;
    bool str = false, esc = false;
    for (size_t i = pos; i < buf.size(); ++i) {
      const char c = buf[i];
      if (str) {
        if (esc) esc = false;
        else if (c == '\\') esc = true;
        else if (c == '"') {
          str = false;
          if (depth == 0) return i + 1;  // a string on its own
        }
        continue;
      }
      if (c == '"') str = true;
      else if (c == '{' || c == '[') ++depth;
      else if ((c == '}' || c == ']') && --depth == 0) return i + 1;
    }
    return std::string_view::npos;
  }
  for (size_t i = pos; i < buf.size(); ++i)  // a number, true, false, null
    if (buf[i] == ',' || buf[i] == ']' || json_space(buf[i])) return i;
  return std::string_view::npos;
}

}  // namespace

bool item_parser::feed_json_array(json::value& items, json::allocator& a) {
  std::string_view buf(pending_);
  size_t pos = 0;
  while (!full() && !array_done_) {
    while (pos < buf.size() && (json_space(buf[pos]) || (array_open_ && buf[pos] == ','))) ++pos;
    if (pos >= buf.size()) break;
    if (!array_open_) {
      if (buf[pos] != '[') {
        error_ = "the object's items must be a JSON array";
        return false;
      }
      array_open_ = true;
      ++pos;
      continue;
    }
    if (buf[pos] == ']') {
      array_done_ = true;
      ++pos;
      break;
    }
    const size_t end = json_value_end(buf, pos);
    if (end == std::string_view::npos) break;  // the rest comes with the next chunk
    json::document d;
    std::string err;
    if (!json::parse(buf.substr(pos, end - pos), d, &err)) {
      error_ = "the object is not JSON: " + err;
      return false;
    }
    items.PushBack(json::value(d, a), a);
    ++count_;
    pos = end;
  }
  pending_.erase(0, pos);
  return !full() && !array_done_;
}

std::optional<reader_config> parse_reader_config(const json::value& rc, std::string& error) {
  reader_config c;
  if (!rc.IsObject()) return c;
  auto s = [&](const char* k) -> std::string {
    auto m = rc.FindMember(k);
    return m != rc.MemberEnd() && m->value.IsString() ? m->value.GetString() : "";
  };
  if (auto t = s("InputType"); !t.empty()) c.input_type = t;
  if (s("CSVHeaderLocation") == "GIVEN") c.header_first_row = false;
  if (auto h = rc.FindMember("CSVHeaders"); h != rc.MemberEnd() && h->value.IsArray())
    for (const auto& v : h->value.GetArray())
      if (v.IsString()) c.headers.emplace_back(v.GetString());
  const std::string d = s("CSVDelimiter");
  c.delimiter = d == "PIPE" ? '|' : d == "SEMICOLON" ? ';' : d == "SPACE" ? ' ' : d == "TAB" ? '\t' : ',';
  if (auto m = rc.FindMember("MaxItems"); m != rc.MemberEnd() && m->value.IsInt64())
    c.max_items = m->value.GetInt64();
  c.items_pointer = s("ItemsPointer");
  c.manifest_type = s("ManifestType");
  if (c.input_type == "PARQUET") {
    error = "InputType PARQUET is not supported by Statecraft";
    return std::nullopt;
  }
  if (c.input_type == "MANIFEST" && !c.manifest_type.empty() && c.manifest_type != "CSV") {
    error = "ManifestType " + c.manifest_type + " is not supported by Statecraft (CSV manifests are)";
    return std::nullopt;
  }
  return c;
}

std::vector<std::string> split_csv(std::string_view row, char delimiter) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < row.size(); ++i) {
    char c = row[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < row.size() && row[i + 1] == '"') {
          cur += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cur += c;
      }
      continue;
    }
    if (c == '"' && cur.empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (c == delimiter) {
      out.push_back(std::move(cur));
      cur.clear();
      was_quoted = false;
    } else {
      cur += c;
    }
  }
  out.push_back(std::move(cur));
  return out;
}

item_parser::item_parser(reader_config cfg) : cfg_(std::move(cfg)) {
  if (!cfg_.header_first_row) {
    header_ = cfg_.headers;
    have_header_ = true;
  }
}

bool item_parser::csv_row(std::string_view row, json::value& items, json::allocator& a) {
  if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
  if (row.empty()) return true;
  auto fields = split_csv(row, cfg_.delimiter);
  if (cfg_.input_type == "MANIFEST") {
    if (fields.size() < 2) {
      error_ = "a row of the CSV manifest does not name a bucket and a key: " + std::string(row);
      return false;
    }
    json::value o(rapidjson::kObjectType);
    o.AddMember("Bucket", str(fields[0], a), a);
    o.AddMember("Key", str(fields[1], a), a);
    items.PushBack(o, a);
    ++count_;
    return true;
  }
  if (!have_header_) {
    header_ = std::move(fields);
    have_header_ = true;
    return true;
  }
  json::value o(rapidjson::kObjectType);
  for (size_t i = 0; i < fields.size() && i < header_.size(); ++i)
    o.AddMember(str(header_[i], a), str(fields[i], a), a);
  items.PushBack(o, a);
  ++count_;
  return true;
}

bool item_parser::take_record(std::string_view rec, json::value& items, json::allocator& a) {
  if (cfg_.input_type == "JSONL") {
    while (!rec.empty() && (rec.back() == '\r' || rec.back() == ' ' || rec.back() == '\t'))
      rec.remove_suffix(1);
    if (rec.find_first_not_of(" \t") == std::string_view::npos) return true;
    json::document d;
    std::string err;
    if (!json::parse(rec, d, &err)) {
      error_ = "a line of the JSONL object is not JSON: " + err;
      return false;
    }
    items.PushBack(json::value(d, a), a);
    ++count_;
    return true;
  }
  return csv_row(rec, items, a);
}

bool item_parser::feed(std::string_view chunk, json::value& items, json::allocator& a) {
  if (!error_.empty() || full()) return false;
  pending_.append(chunk);
  if (stream_json()) return feed_json_array(items, a);
  if (cfg_.input_type == "JSON") return true;  // the whole document, at finish()
  const bool csv = cfg_.input_type != "JSONL";
  size_t start = 0;
  std::string_view buf(pending_);
  while (!full()) {
    std::string_view rest = buf.substr(start);
    size_t end = csv ? csv_record_end(rest) : rest.find('\n');
    if (end == std::string_view::npos) break;
    if (!take_record(rest.substr(0, end), items, a)) return false;
    start += end + 1;
  }
  pending_.erase(0, start);
  return !full();
}

bool item_parser::finish(json::value& items, json::allocator& a) {
  if (!error_.empty()) return false;
  if (full()) return true;
  if (stream_json()) {
    // The object ends: the array must have closed.
    if (!feed_json_array(items, a) && !error_.empty()) return false;
    if (array_done_ || full()) return true;
    error_ = array_open_ ? "the object is not JSON: the array is not closed"
                         : "the object's items must be a JSON array";
    return false;
  }
  if (cfg_.input_type == "JSON") {
    json::document d;
    std::string err;
    if (!json::parse(pending_, d, &err)) {
      error_ = "the object is not JSON: " + err;
      return false;
    }
    const json::value* arr = &d;
    if (!cfg_.items_pointer.empty()) {
      arr = rapidjson::Pointer(cfg_.items_pointer.c_str()).Get(d);
      if (!arr) {
        error_ = "ItemsPointer " + cfg_.items_pointer + " points at nothing in the object";
        return false;
      }
    }
    if (!arr->IsArray()) {
      error_ = "the object's items must be a JSON array";
      return false;
    }
    for (const auto& v : arr->GetArray()) {
      if (full()) break;
      items.PushBack(json::value(v, a), a);
      ++count_;
    }
    pending_.clear();
    return true;
  }
  std::string rest = std::move(pending_);
  pending_.clear();
  return take_record(rest, items, a);
}

bool list_objects_items(std::string_view xml, json::value& items, json::allocator& a,
                        std::string& next_token, int64_t max_items, int64_t& count) {
  next_token.clear();
  size_t pos = 0;
  while (max_items <= 0 || count < max_items) {
    size_t b = xml.find("<Contents>", pos);
    if (b == std::string_view::npos) break;
    size_t e = xml.find("</Contents>", b);
    if (e == std::string_view::npos) return false;
    std::string_view c = xml.substr(b, e - b);
    pos = e + 11;
    json::value o(rapidjson::kObjectType);
    o.AddMember("Etag", str(xml_text(c, "ETag").value_or(""), a), a);
    o.AddMember("Key", str(xml_text(c, "Key").value_or(""), a), a);
    int64_t ms = model::parse_iso8601(xml_text(c, "LastModified").value_or("")).value_or(0);
    o.AddMember("LastModified", json::value(static_cast<int64_t>(ms / 1000)), a);
    o.AddMember("Size", json::value(static_cast<int64_t>(std::stoll(xml_text(c, "Size").value_or("0")))), a);
    o.AddMember("StorageClass", str(xml_text(c, "StorageClass").value_or("STANDARD"), a), a);
    items.PushBack(o, a);
    ++count;
  }
  if (xml_text(xml, "IsTruncated").value_or("false") == "true")
    next_token = xml_text(xml, "NextContinuationToken").value_or("");
  return true;
}

std::string format_results(const std::vector<std::string>& records, const std::string& transformation,
                           const std::string& output_type, bool records_are_outputs) {
  std::vector<std::string> values;
  for (const auto& r : records) {
    if (transformation == "NONE" || transformation.empty()) {
      values.push_back(r);
      continue;
    }
    std::string out = r;
    if (!records_are_outputs) {
      json::document d;
      out = "null";
      if (json::parse(r, d) && d.IsObject())
        if (auto m = d.FindMember("Output"); m != d.MemberEnd() && m->value.IsString())
          out = m->value.GetString();
    }
    if (transformation == "FLATTEN") {
      json::document d;
      if (json::parse(out, d) && d.IsArray()) {
        for (const auto& v : d.GetArray()) values.push_back(json::dump(v));
        continue;
      }
    }
    values.push_back(out);
  }
  std::string text;
  if (output_type == "JSONL") {
    for (const auto& v : values) text += v + "\n";
    return text;
  }
  text = "[";
  for (size_t i = 0; i < values.size(); ++i) text += (i ? "," : "") + values[i];
  return text + "]";
}

}  // namespace sc::aws
