// Express execution logs (execution_log.hpp).
#include "actors/execution_log.hpp"

#include "observability/metrics.hpp"
#include "runtime/json/json.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

namespace sc::actors {

bool logged_at(log_config::level_t level, const std::string& t) {
  if (level == log_config::all) return true;
  if (t == "ExecutionFailed" || t == "ExecutionAborted" || t == "ExecutionTimedOut") return true;
  if (level == log_config::fatal) return false;
  auto ends = [&](std::string_view s) {
    return t.size() >= s.size() && t.compare(t.size() - s.size(), s.size(), s) == 0;
  };
  return ends("Failed") || ends("TimedOut") || ends("Aborted");
}

std::string log_record(const model::history_event& e, const std::string& execution_arn,
                       int64_t redrive_count, bool include_data) {
  std::string o = "{\"id\":\"" + std::to_string(e.id) + "\",\"type\":" + json::quote(e.type);
  o += ",\"details\":" + model::render_details(e, include_data);
  o += ",\"previous_event_id\":\"" + std::to_string(e.previous_id) + "\"";
  o += ",\"event_timestamp\":\"" + std::to_string(e.timestamp_ms) + "\"";
  o += ",\"execution_arn\":" + json::quote(execution_arn);
  o += ",\"redrive_count\":\"" + std::to_string(redrive_count) + "\"}";
  return o;
}

execution_log::execution_log(const std::string& sink) {
  if (sink.empty()) return;
  if (sink == "stdout") {
    fd_ = 1;
  } else if (sink == "stderr") {
    fd_ = 2;
  } else {
    fd_ = ::open(sink.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0)
      std::cerr << "statecraftd: cannot open the execution log " << sink << ": "
                << std::strerror(errno) << "\n";
    own_fd_ = fd_ >= 0;
  }
}

execution_log::~execution_log() {
  if (own_fd_) ::close(fd_);
}

std::shared_ptr<const log_config> execution_log::config_for(const std::string& logging_json) {
  if (fd_ < 0 || logging_json.empty() || logging_json.find("\"OFF\"") != std::string::npos)
    return nullptr;
  std::lock_guard lock(mu_);
  auto it = configs_.find(logging_json);
  if (it != configs_.end()) return it->second;
  std::shared_ptr<const log_config> made;
  json::document d;
  if (json::parse_untrusted(logging_json, d, nullptr) && d.IsObject()) {
    auto c = std::make_shared<log_config>();
    auto lv = d.FindMember("level");
    std::string level = lv != d.MemberEnd() && lv->value.IsString() ? lv->value.GetString() : "OFF";
    auto inc = d.FindMember("includeExecutionData");
    c->include_data = inc != d.MemberEnd() && inc->value.IsBool() && inc->value.GetBool();
    if (level == "ALL") c->level = log_config::all;
    else if (level == "ERROR") c->level = log_config::error;
    else if (level == "FATAL") c->level = log_config::fatal;
    if (level == "ALL" || level == "ERROR" || level == "FATAL") made = std::move(c);
  }
  if (configs_.size() > 1000) configs_.clear();
  configs_.emplace(logging_json, made);
  return made;
}

void execution_log::write(const log_config& c, const std::string& execution_arn,
                          int64_t redrive_count, const std::vector<model::history_event>& events) {
  if (fd_ < 0) return;
  std::string out;
  size_t n = 0;
  for (const auto& e : events) {
    if (!logged_at(c.level, e.type)) continue;
    out += log_record(e, execution_arn, redrive_count, c.include_data);
    out += '\n';
    ++n;
  }
  if (out.empty()) return;
  obs::metrics().express_log_records.inc(n);
  // One write per step (O_APPEND: lines of concurrent steps never interleave
  // within a write on a file; on a pipe up to PIPE_BUF bytes).
  std::lock_guard lock(mu_);
  const char* p = out.data();
  size_t left = out.size();
  while (left > 0) {
    ssize_t w = ::write(fd_, p, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += w;
    left -= static_cast<size_t>(w);
  }
}

}  // namespace sc::actors
