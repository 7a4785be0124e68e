// Distributed Map's ItemReader and ResultWriter formats (pure): turning an
// S3 object's bytes into items as they arrive, a listObjectsV2 page into
// items, and a Map Run's results into the files ResultWriter writes.
//
// ReaderConfig (AWS's rules):
//   InputType JSON   the object is a JSON array (or, with ItemsPointer, a
//                    JSON document whose pointed-to member is the array;
//                    a plain array is streamed element by element, a
//                    pointed-to one parsed whole);
//   InputType JSONL  one JSON value per line (blank lines skipped);
//   InputType CSV    one item per row: an object of header → value, values
//                    as strings; headers from the first row
//                    (CSVHeaderLocation FIRST_ROW, the default) or CSVHeaders
//                    (GIVEN); CSVDelimiter COMMA, PIPE, SEMICOLON, SPACE, TAB;
//                    fields may be quoted ("a,b", "" for a quote);
//   InputType MANIFEST (ManifestType CSV): rows "bucket,key" → {"Bucket","Key"};
//   MaxItems         at most this many items (0 = all).
// The parser is fed the object in chunks (S3 ranged GETs) and stops asking
// for more once MaxItems items are read; only an unfinished row or line is
// kept between chunks.
#pragma once

#include "runtime/json/json.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sc::aws {

struct reader_config {
  std::string input_type = "JSON";  ///< JSON, JSONL, CSV, MANIFEST
  bool header_first_row = true;
  std::vector<std::string> headers;  ///< GIVEN headers
  char delimiter = ',';
  int64_t max_items = 0;  ///< 0: all
  std::string items_pointer;  ///< JSON pointer (InputType JSON)
  std::string manifest_type;  ///< MANIFEST: CSV (S3_INVENTORY / ATHENA_DATA: unsupported)
};

/// ReaderConfig's JSON object → config; "" and an error message when invalid.
std::optional<reader_config> parse_reader_config(const json::value& rc, std::string& error);

/// Incremental parser of one object.
class item_parser {
 public:
  explicit item_parser(reader_config cfg);
  /// Appends the items completed by `chunk` to `items` (an array of `a`).
  /// False once MaxItems is reached (the caller stops reading) or on an
  /// error (error() non-empty).
  bool feed(std::string_view chunk, json::value& items, json::allocator& a);
  /// The end of the object: the last row / line, or the whole JSON document.
  bool finish(json::value& items, json::allocator& a);
  const std::string& error() const { return error_; }
  int64_t count() const { return count_; }
  /// Bytes fed but not consumed yet (an unfinished row, or rows past
  /// MaxItems): a streamed read's next window starts there.
  size_t pending_bytes() const { return pending_.size(); }
  /// InputType JSON without ItemsPointer is streamed: the top-level array's
  /// elements are taken as they complete. A read resumed inside the array
  /// (a later window) starts with resume_in_array(); in_array() says
  /// whether the array is open and not closed yet, done() that it closed.
  void resume_in_array() { array_open_ = true; }
  bool in_array() const { return array_open_ && !array_done_; }
  bool done() const { return array_done_; }
  /// The CSV header (read from the first row or GIVEN), once known.
  bool have_header() const { return have_header_; }
  const std::vector<std::string>& header() const { return header_; }

 private:
  bool full() const { return cfg_.max_items > 0 && count_ >= cfg_.max_items; }
  bool take_record(std::string_view rec, json::value& items, json::allocator& a);
  bool csv_row(std::string_view row, json::value& items, json::allocator& a);

  bool stream_json() const { return cfg_.input_type == "JSON" && cfg_.items_pointer.empty(); }
  bool feed_json_array(json::value& items, json::allocator& a);

  reader_config cfg_;
  bool array_open_ = false, array_done_ = false;
  std::string pending_;
  std::vector<std::string> header_;
  bool have_header_ = false;
  int64_t count_ = 0;
  std::string error_;
};

/// Splits one CSV record into fields (quotes removed, "" → ").
std::vector<std::string> split_csv(std::string_view row, char delimiter);

/// Items of one listObjectsV2 page (XML): {"Etag","Key","LastModified"
/// (epoch seconds),"Size","StorageClass"} per object; `next_token` set
/// when the listing continues.
bool list_objects_items(std::string_view xml, json::value& items, json::allocator& a,
                        std::string& next_token, int64_t max_items, int64_t& count);

/// WriterConfig's Transformation and OutputType applied to one file's
/// records: NONE (the records), COMPACT (their outputs), FLATTEN (outputs
/// that are arrays spread out); JSON (an array) or JSONL (one per line).
std::string format_results(const std::vector<std::string>& records, const std::string& transformation,
                           const std::string& output_type, bool records_are_outputs);

}  // namespace sc::aws
