// Distributed Map's ItemReader / ResultWriter on S3 (interp/map_io.hpp),
// through the node's signed AWS calls. Private to actors/.
#pragma once

#include "actors/aws_call.hpp"
#include "runtime/aws/s3_items.hpp"
#include "runtime/interp/map_io.hpp"

namespace sc::actors {

class s3_map_io final : public interp::map_io {
 public:
  explicit s3_map_io(aws_calls& calls) : calls_(calls) {}
  std::optional<eval::failure> read_items(const std::string& resource, const std::string& parameters,
                                          const std::string& reader_config,
                                          json::document& items) const override;
  std::optional<eval::failure> write_results(const std::string& parameters,
                                             const std::string& writer_config,
                                             const std::string& map_run_arn,
                                             const std::vector<std::string>& records,
                                             const std::vector<bool>& failed,
                                             std::string& details) const override;

 private:
  std::optional<eval::failure> read(const std::string& resource, const std::string& parameters,
                                    const std::string& reader_config, json::document& items) const;
  std::optional<eval::failure> write(const std::string& parameters, const std::string& writer_config,
                                     const std::string& map_run_arn, const std::vector<std::string>& records,
                                     const std::vector<bool>& failed, std::string& details) const;
  std::optional<eval::failure> read_object(const std::string& bucket, const std::string& key,
                                           aws::item_parser& parser, json::document& items) const;
  aws_calls& calls_;
};

}  // namespace sc::actors
