// Distributed Map's S3 reads and writes (interp/map_io.hpp) through the
// node's signed AWS calls (aws_call.hpp).
//
// getObject: ranged GETs of 8 MiB fed to the incremental item parser
// (runtime/aws/s3_items.hpp); reading stops at ReaderConfig.MaxItems, so
// only the bytes needed are fetched, and only one chunk plus an unfinished
// row is held besides the items. listObjectsV2: pages of up to 1,000 keys
// (continuation tokens) until the listing or MaxItems ends. MANIFEST (CSV):
// the manifest's rows name the objects ({"Bucket","Key"} items).
// ResultWriter: <Prefix>/<Map Run id>/SUCCEEDED_0.json, FAILED_0.json (when
// any failed) and manifest.json, as AWS lays them out; ResultWriterDetails
// names the manifest.
#include "actors/aws_map_io.hpp"

#include "runtime/aws/s3_items.hpp"

namespace sc::actors {

namespace {

using eval::failure;

failure reader_failed(const std::string& why) {
  return failure{"States.ItemReaderFailed", "The Map state's ItemReader could not read its items: " + why};
}

failure writer_failed(const std::string& why) {
  return failure{"States.ResultWriterFailed",
                 "The Map state's ResultWriter could not write its results: " + why};
}

std::string member(const json::value& o, const char* k) {
  if (!o.IsObject()) return "";
  auto m = o.FindMember(k);
  return m != o.MemberEnd() && m->value.IsString() ? m->value.GetString() : "";
}

std::string s3_error(const aws_calls::raw_answer& a) {
  auto e = aws::read_error(a.status, a.headers, a.body);
  return "S3 answered " + std::to_string(a.status) + (e.code.empty() ? "" : " " + e.code) +
         (e.message.empty() ? "" : ": " + e.message);
}

std::string key_path(const std::string& key) { return "/" + aws::uri_encode(key, true); }

}  // namespace

std::optional<failure> s3_map_io::read_object(const std::string& bucket, const std::string& key,
                                              aws::item_parser& parser, json::document& items) const {
  bool path_style = false;
  const std::string base = calls_.s3_base(bucket, path_style);
  constexpr int64_t chunk = 8 << 20;
  int64_t offset = 0;
  for (;;) {
    aws::wire_request r;
    r.method = "GET";
    r.url = base + key_path(key);
    r.headers.push_back({"Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + chunk - 1)});
    auto a = calls_.send_blocking("s3", r);
    if (!a.ok) return reader_failed(a.error);
    if (a.status == 416) break;  // empty object
    if (a.status != 200 && a.status != 206)
      return reader_failed(s3_error(a) + " (s3://" + bucket + "/" + key + ")");
    const bool more_wanted = parser.feed(a.body, items, items.GetAllocator());
    if (!parser.error().empty()) return reader_failed(parser.error() + " (s3://" + bucket + "/" + key + ")");
    if (!more_wanted) return std::nullopt;  // MaxItems reached
    // 200: the whole object came back (no range support); 206: maybe more.
    int64_t total = -1;
    if (auto cr = aws::find_header(a.headers, "Content-Range")) {
      auto slash = cr->rfind('/');
      if (slash != std::string::npos && (*cr)[slash + 1] != '*') total = std::stoll(cr->substr(slash + 1));
    }
    offset += int64_t(a.body.size());
    if (a.status == 200 || a.body.empty() || (total >= 0 && offset >= total)) break;
  }
  if (!parser.finish(items, items.GetAllocator()))
    return reader_failed(parser.error() + " (s3://" + bucket + "/" + key + ")");
  return std::nullopt;
}

std::optional<failure> s3_map_io::read_items(const std::string& resource, const std::string& parameters,
                                             const std::string& reader_config, json::document& items) const {
  auto f = read(resource, parameters, reader_config, items);
  // The cause names the resource: "...ItemReader (arn:aws:states:::s3:getObject) could not..."
  if (f) f->cause.insert(std::string("The Map state's ItemReader").size(), " (" + resource + ")");
  return f;
}

std::optional<failure> s3_map_io::read(const std::string& resource, const std::string& parameters,
                                       const std::string& reader_config, json::document& items) const {
  json::document p, rc;
  json::parse(parameters, p);
  json::parse(reader_config, rc);
  std::string err;
  auto cfg = aws::parse_reader_config(rc, err);
  if (!cfg) return reader_failed(err);
  const std::string bucket = member(p, "Bucket");
  if (bucket.empty()) return reader_failed("its Parameters name no Bucket");
  if (resource.size() >= 14 && resource.compare(resource.size() - 14, 14, ":listObjectsV2") == 0) {
    bool path_style = false;
    const std::string base = calls_.s3_base(bucket, path_style);
    std::string token;
    int64_t count = 0;
    do {
      std::string q = "list-type=2";
      if (!token.empty()) q += "&continuation-token=" + aws::uri_encode(token);
      if (auto prefix = member(p, "Prefix"); !prefix.empty()) q += "&prefix=" + aws::uri_encode(prefix);
      aws::wire_request r;
      r.method = "GET";
      r.url = base + "/?" + q;
      auto a = calls_.send_blocking("s3", r);
      if (!a.ok) return reader_failed(a.error);
      if (a.status != 200) return reader_failed(s3_error(a) + " (listing s3://" + bucket + ")");
      if (!aws::list_objects_items(a.body, items, items.GetAllocator(), token, cfg->max_items, count))
        return reader_failed("the listing of s3://" + bucket + " could not be read");
    } while (!token.empty() && (cfg->max_items <= 0 || count < cfg->max_items));
    return std::nullopt;
  }
  const std::string key = member(p, "Key");
  if (key.empty()) return reader_failed("its Parameters name no Key");
  aws::item_parser parser(*cfg);
  return read_object(bucket, key, parser, items);
}

std::optional<failure> s3_map_io::write_results(const std::string& parameters, const std::string& writer_config,
                                                const std::string& map_run_arn,
                                                const std::vector<std::string>& records,
                                                const std::vector<bool>& failed, std::string& details) const {
  auto f = write(parameters, writer_config, map_run_arn, records, failed, details);
  if (f) f->cause.insert(std::string("The Map state's ResultWriter").size(), " (arn:aws:states:::s3:putObject)");
  return f;
}

std::optional<failure> s3_map_io::write(const std::string& parameters, const std::string& writer_config,
                                        const std::string& map_run_arn, const std::vector<std::string>& records,
                                        const std::vector<bool>& failed, std::string& details) const {
  json::document p, wc;
  json::parse(parameters, p);
  if (!writer_config.empty()) json::parse(writer_config, wc);
  const std::string bucket = member(p, "Bucket");
  if (bucket.empty()) return writer_failed("its Parameters name no Bucket");
  std::string prefix = member(p, "Prefix");
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  // <Prefix>/<Map Run id>/...: the id is what follows the label in the ARN.
  std::string run_id = map_run_arn.substr(map_run_arn.rfind(':') + 1);
  const std::string dir = prefix + run_id + "/";
  std::string transformation = member(wc, "Transformation"), output_type = member(wc, "OutputType");
  if (transformation.empty()) transformation = "NONE";
  if (output_type.empty()) output_type = "JSON";
  bool path_style = false;
  const std::string base = calls_.s3_base(bucket, path_style);
  auto put = [&](const std::string& key, const std::string& body) -> std::optional<failure> {
    aws::wire_request r;
    r.method = "PUT";
    r.url = base + key_path(key);
    r.headers.push_back({"Content-Type", "application/json"});
    r.body = body;
    auto a = calls_.send_blocking("s3", r);
    if (!a.ok) return writer_failed(a.error);
    if (a.status != 200) return writer_failed(s3_error(a) + " (s3://" + bucket + "/" + key + ")");
    return std::nullopt;
  };
  std::vector<std::string> ok, bad;
  for (size_t i = 0; i < records.size(); ++i) (failed[i] ? bad : ok).push_back(records[i]);
  const std::string ext = output_type == "JSONL" ? ".jsonl" : ".json";
  auto write_file = [&](const std::string& name, const std::vector<std::string>& recs,
                        std::string& entry) -> std::optional<failure> {
    std::string key = dir + name + ext;
    std::string body = aws::format_results(recs, transformation, output_type, false);
    if (auto f = put(key, body)) return f;
    entry = "{\"Key\":" + json::quote(key) + ",\"Size\":" + std::to_string(body.size()) + "}";
    return std::nullopt;
  };
  std::string ok_entry, bad_entry;
  if (auto f = write_file("SUCCEEDED_0", ok, ok_entry)) return f;
  if (!bad.empty())
    if (auto f = write_file("FAILED_0", bad, bad_entry)) return f;
  const std::string manifest_key = dir + "manifest.json";
  std::string manifest = "{\"DestinationBucket\":" + json::quote(bucket) +
                         ",\"MapRunArn\":" + json::quote(map_run_arn) +
                         ",\"ResultFiles\":{\"FAILED\":[" + bad_entry + "],\"PENDING\":[],\"SUCCEEDED\":[" +
                         ok_entry + "]}}";
  if (auto f = put(manifest_key, manifest)) return f;
  details = "{\"Bucket\":" + json::quote(bucket) + ",\"Key\":" + json::quote(manifest_key) + "}";
  return std::nullopt;
}

}  // namespace sc::actors
