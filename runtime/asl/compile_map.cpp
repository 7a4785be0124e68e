// The Distributed Map's own fields, for both query languages: Label,
// ItemBatcher, ItemReader and ResultWriter (see compile.hpp).
//
// What is checked, as AWS documents these fields:
//   * ItemReader, ItemBatcher and ResultWriter belong to a Map whose
//     ItemProcessor runs in DISTRIBUTED mode; on an INLINE Map each is
//     "Field 'X' is not supported" at the state, like ProcessorConfig's
//     ExecutionType on an INLINE processor.
//   * ItemBatcher: MaxItemsPerBatch (integer >= 1) or MaxItemsPerBatchPath,
//     MaxInputBytesPerBatch (1 .. 262144, AWS's 256 KiB payload limit) or
//     MaxInputBytesPerBatchPath, BatchInput (a payload template; JSONata: an
//     object or expression, and the numbers may be `{% %}` expressions; the
//     …Path forms are JSONPath only). At least one of the limits is needed.
//   * ItemReader: Resource is an S3 integration (getObject or
//     listObjectsV2, in any partition), Parameters (JSONPath) / Arguments
//     (JSONata), ReaderConfig with InputType, CSVHeaderLocation (GIVEN needs
//     CSVHeaders), CSVDelimiter, MaxItems(Path), ManifestType,
//     Transformation and ItemsPointer (a JSON Pointer into a JSON file).
//     getObject needs ReaderConfig.InputType.
//   * ResultWriter: Resource arn:aws:states:::s3:putObject with Parameters /
//     Arguments, and/or WriterConfig (OutputType, Transformation).
//   * Label: 1 to 40 characters, none of them whitespace, brackets,
//     wildcards, the special characters AWS excludes from resource names, or
//     control characters: it becomes part of the Map Run's ARN.
// Nothing here can run the S3 calls: a definition using ItemReader or
// ResultWriter is accepted and fails at run time (interp/map_items.cpp).
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "runtime/asl/compile.hpp"

namespace sc::asl::detail {
namespace {

std::string_view as_view(const json::value& v) { return {v.GetString(), v.GetStringLength()}; }

bool is_expression(const json::value& v) {
  return v.IsString() && eval::is_jsonata_expression(as_view(v));
}

// Does the Map's ItemProcessor (or legacy Iterator) run DISTRIBUTED?
bool distributed_mode(const json::value& obj) {
  for (const char* f : {"ItemProcessor", "Iterator"}) {
    const json::value* p = compiler::find(obj, f);
    if (!p || !p->IsObject()) continue;
    const json::value* pc = compiler::find(*p, "ProcessorConfig");
    if (!pc || !pc->IsObject()) continue;
    const json::value* mode = compiler::find(*pc, "Mode");
    if (mode && mode->IsString() && as_view(*mode) == "DISTRIBUTED") return true;
  }
  return false;
}

// "arn:<partition>:states:::s3:<action>" for the partitions AWS has.
bool s3_resource(std::string_view r, std::initializer_list<std::string_view> actions) {
  for (std::string_view partition : {"aws", "aws-cn", "aws-us-gov"})
    for (std::string_view action : actions)
      if (r == "arn:" + std::string(partition) + ":states:::s3:" + std::string(action)) return true;
  return false;
}

std::string join_values(std::initializer_list<std::string_view> values) {
  std::string out = "[";
  for (auto v : values) {
    if (out.size() > 1) out += ", ";
    out += v;
  }
  return out + "]";
}

}  // namespace

/// Empty when `label` may name a Map Run; else the problem.
std::string compiler::label_problem(std::string_view label) {
  // Decode UTF-8 (the parser has checked it) into code points.
  std::vector<uint32_t> cps;
  for (size_t i = 0; i < label.size();) {
    unsigned char c = static_cast<unsigned char>(label[i]);
    int extra = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
    uint32_t cp = extra == 0 ? c : c & (0x3F >> extra);
    for (int k = 1; k <= extra && i + k < label.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(label[i + k]) & 0x3F);
    cps.push_back(cp);
    i += static_cast<size_t>(extra) + 1;
  }
  if (cps.empty() || cps.size() > 40) return "Label must be between 1 and 40 characters long";
  static constexpr std::string_view forbidden = "?*<>{}[]\"#%\\^|~`$&,;:/";
  for (uint32_t cp : cps) {
    bool control = cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
    bool space = cp == ' ' || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
                 cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    bool special = cp < 0x80 && forbidden.find(static_cast<char>(cp)) != std::string_view::npos;
    if (control || space || special)
      return "Label must not contain whitespace, brackets (< > { } [ ]), wildcards (? *), "
             "special characters (\" # % \\ ^ | ~ ` $ & , ; : /) or control characters";
  }
  return "";
}

void compiler::compile_map_sources(const json::value& obj, const std::string& loc, state& s) {
  const bool jsonata = current_jsonata_;
  const bool distributed = distributed_mode(obj);

  if (const json::value* label = find(obj, "Label")) {
    std::string at = field_loc(loc, "Label");
    if (check_type(*label, jtype::string, at)) {
      s.map_label = std::string(as_view(*label));
      if (std::string problem = label_problem(s.map_label); !problem.empty()) error(problem, at);
    }
  }

  for (const char* f : {"ItemReader", "ItemBatcher", "ResultWriter"})
    if (find(obj, f) && !distributed) error(std::string("Field '") + f + "' is not supported", loc);

  // A number given literally, by a path (JSONPath) or as an expression (JSONata).
  auto limit = [&](const json::value& ib, const std::string& at, const char* name,
                   int64_t max, std::optional<int64_t>& lit, std::optional<eval::path>& path,
                   jsonata_field& expr) {
    std::string path_name = std::string(name) + "Path";
    if (!jsonata) exclusive(ib, at, {name, path_name}, false);
    if (jsonata)
      int_or_expression(ib, at, name, 1, max, lit, expr);
    else
      lit = int_field(ib, at, name, 1, max);
    if (!jsonata) path = path_value(ib, at, path_name, true);
  };

  if (const json::value* ib = find(obj, "ItemBatcher")) {
    std::string at = field_loc(loc, "ItemBatcher");
    if (check_type(*ib, jtype::object, at)) {
      s.item_batcher = true;
      if (jsonata)
        check_fields(*ib, at, {"MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput"});
      else
        check_fields(*ib, at,
                     {"MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch",
                      "MaxInputBytesPerBatchPath", "BatchInput"});
      limit(*ib, at, "MaxItemsPerBatch", INT64_MAX, s.max_items_per_batch,
            s.max_items_per_batch_path, s.max_items_per_batch_expr);
      limit(*ib, at, "MaxInputBytesPerBatch", 262144, s.max_input_bytes_per_batch,
            s.max_input_bytes_per_batch_path, s.max_input_bytes_per_batch_expr);
      bool any = false;
      for (const char* f : {"MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch",
                            "MaxInputBytesPerBatchPath"})
        any = any || find(*ib, f);
      if (!any)
        error(jsonata ? "At least one of the following fields is required: "
                        "[MaxItemsPerBatch, MaxInputBytesPerBatch]"
                      : "At least one of the following fields is required: [MaxItemsPerBatch, "
                        "MaxItemsPerBatchPath, MaxInputBytesPerBatch, MaxInputBytesPerBatchPath]",
              at);
      if (const json::value* bi = find(*ib, "BatchInput")) {
        std::string bat = field_loc(at, "BatchInput");
        if (jsonata) {
          if (bi->IsObject() || is_expression(*bi))
            s.batch_input_expr = jsonata_value(*ib, at, "BatchInput", false, false);
          else
            error("Expected value of type [OBJECT]", bat);
        } else {
          s.batch_input = payload(*ib, at, "BatchInput");
        }
      }
    }
  }

  const char* args = jsonata ? "Arguments" : "Parameters";
  auto parameters = [&](const json::value& o, const std::string& at) {
    if (!find(o, args)) return;
    if (jsonata) {
      const json::value* a = find(o, args);
      if (a->IsObject() || is_expression(*a))
        jsonata_value(o, at, args, false, false);
      else
        error("Expected value of type [OBJECT]", field_loc(at, args));
    } else {
      payload(o, at, args);
    }
  };
  auto one_of = [&](const json::value& o, const std::string& at, const char* name,
                    std::initializer_list<std::string_view> values) -> std::optional<std::string> {
    auto v = string_field(o, at, name);
    if (!v) return std::nullopt;
    if (std::find(values.begin(), values.end(), *v) == values.end()) {
      error("Value should be one of the following: " + join_values(values), field_loc(at, name));
      return std::nullopt;
    }
    return v;
  };

  if (const json::value* ir = find(obj, "ItemReader")) {
    std::string at = field_loc(loc, "ItemReader");
    if (check_type(*ir, jtype::object, at)) {
      s.item_reader = true;
      s.item_reader_json = json::dump(*ir);
      check_fields(*ir, at, {"Resource", args, "ReaderConfig"});
      require(*ir, at, {"Resource"});
      if (auto r = string_field(*ir, at, "Resource")) {
        s.item_reader_resource = *r;
        if (!s3_resource(*r, {"getObject", "listObjectsV2"}))
          error("Value should be one of the following: [arn:aws:states:::s3:getObject, "
                "arn:aws:states:::s3:listObjectsV2]",
                field_loc(at, "Resource"));
      }
      parameters(*ir, at);
      const json::value* rc = find(*ir, "ReaderConfig");
      std::string rat = field_loc(at, "ReaderConfig");
      if (rc && check_type(*rc, jtype::object, rat)) {
        if (jsonata)
          check_fields(*rc, rat,
                       {"InputType", "CSVHeaderLocation", "CSVHeaders", "CSVDelimiter", "MaxItems",
                        "ManifestType", "Transformation", "ItemsPointer"});
        else
          check_fields(*rc, rat,
                       {"InputType", "CSVHeaderLocation", "CSVHeaders", "CSVDelimiter", "MaxItems",
                        "MaxItemsPath", "ManifestType", "Transformation", "ItemsPointer"});
        auto input = one_of(*rc, rat, "InputType", {"CSV", "JSON", "JSONL", "MANIFEST", "PARQUET"});
        auto header = one_of(*rc, rat, "CSVHeaderLocation", {"FIRST_ROW", "GIVEN"});
        if (const json::value* h = find(*rc, "CSVHeaders")) {
          std::string hat = field_loc(rat, "CSVHeaders");
          if (check_type(*h, jtype::array, hat))
            for (rapidjson::SizeType i = 0; i < h->Size(); ++i)
              check_type((*h)[i], jtype::string, index_loc(rat, "CSVHeaders", i));
        }
        if (header && *header == "GIVEN" && !find(*rc, "CSVHeaders"))
          error("These fields are required: [CSVHeaders]", rat);
        one_of(*rc, rat, "CSVDelimiter", {"COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"});
        one_of(*rc, rat, "ManifestType", {"ATHENA_DATA", "CSV", "S3_INVENTORY"});
        one_of(*rc, rat, "Transformation", {"NONE", "LOAD_AND_FLATTEN"});
        if (jsonata) {
          std::optional<int64_t> lit;
          jsonata_field expr;
          int_or_expression(*rc, rat, "MaxItems", 0, 100000000, lit, expr);
        } else {
          exclusive(*rc, rat, {"MaxItems", "MaxItemsPath"}, false);
          int_field(*rc, rat, "MaxItems", 0, 100000000);  // 0: no limit
          path_value(*rc, rat, "MaxItemsPath", true);
        }
        if (auto p = string_field(*rc, rat, "ItemsPointer")) {
          if (!p->empty() && (*p)[0] != '/')
            error("The value for the field 'ItemsPointer' must be a valid JSON Pointer",
                  field_loc(rat, "ItemsPointer"));
          else if (input && *input != "JSON")
            error("Field 'ItemsPointer' is only supported with InputType JSON", rat);
        }
      }
      if (s3_resource(s.item_reader_resource, {"getObject"}) &&
          (!rc || (rc->IsObject() && !find(*rc, "InputType"))))
        error("These fields are required: [InputType]", rc ? rat : at);
    }
  }

  if (const json::value* rw = find(obj, "ResultWriter")) {
    std::string at = field_loc(loc, "ResultWriter");
    if (check_type(*rw, jtype::object, at)) {
      s.result_writer = true;
      s.result_writer_json = json::dump(*rw);
      check_fields(*rw, at, {"Resource", args, "WriterConfig"});
      if (!find(*rw, "Resource") && !find(*rw, "WriterConfig"))
        error("These fields are required: [Resource]", at);
      if (auto r = string_field(*rw, at, "Resource")) {
        s.result_writer_resource = *r;
        if (!s3_resource(*r, {"putObject"}))
          error("Value should be one of the following: [arn:aws:states:::s3:putObject]",
                field_loc(at, "Resource"));
      }
      if (find(*rw, args) && !find(*rw, "Resource"))
        error("These fields are required: [Resource]", at);
      parameters(*rw, at);
      const json::value* wc = find(*rw, "WriterConfig");
      std::string wat = field_loc(at, "WriterConfig");
      if (wc && check_type(*wc, jtype::object, wat)) {
        check_fields(*wc, wat, {"OutputType", "Transformation"});
        one_of(*wc, wat, "OutputType", {"JSON", "JSONL"});
        one_of(*wc, wat, "Transformation", {"NONE", "COMPACT", "FLATTEN"});
      }
    }
  }
}

}  // namespace sc::asl::detail
