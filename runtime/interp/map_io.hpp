// Distributed Map's ItemReader and ResultWriter: the S3 calls the core
// cannot make itself. The node passes an implementation in `limits`
// (actors/aws_map_io.cpp, calling S3 through actors/aws_call.hpp); without
// one (unit tests, `statecraft run`) a Map using them fails as it starts
// with States.ItemReaderFailed / States.ResultWriterFailed.
//
// The calls block the execution's step (they run on its worker thread, never
// an io thread) for as long as S3 takes to list or read the items; the items
// are then held in the execution's state like an inline Map's.
#pragma once

#include "runtime/eval/failure.hpp"
#include "runtime/json/json.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sc::interp {

class map_io {
 public:
  virtual ~map_io() = default;
  /// The items an ItemReader names: `resource` arn:aws:states:::s3:getObject
  /// or s3:listObjectsV2, `parameters` its evaluated Parameters/Arguments
  /// ({"Bucket","Key"} / {"Bucket","Prefix"}), `reader_config` its
  /// ReaderConfig (JSON object, MaxItems resolved). Appends to `items`
  /// (an array); a failure is States.ItemReaderFailed with a cause.
  virtual std::optional<eval::failure> read_items(const std::string& resource,
                                                  const std::string& parameters,
                                                  const std::string& reader_config,
                                                  json::document& items) const = 0;
  /// A Map Run's results written as ResultWriter says: `parameters`
  /// {"Bucket","Prefix"}, `writer_config` (JSON object or ""), `records` one
  /// JSON record per iteration ({"Status","Input","Output"|"Error","Cause",...}),
  /// `failed` whether each failed. Sets `details` to ResultWriterDetails
  /// ({"Bucket","Key"} of the manifest). A failure is States.ResultWriterFailed.
  virtual std::optional<eval::failure> write_results(const std::string& parameters,
                                                     const std::string& writer_config,
                                                     const std::string& map_run_arn,
                                                     const std::vector<std::string>& records,
                                                     const std::vector<bool>& failed,
                                                     std::string& details) const = 0;
};

}  // namespace sc::interp
