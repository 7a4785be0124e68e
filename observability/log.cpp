// JSON log lines for std::cerr (log.hpp).
#include "observability/log.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <mutex>
#include <streambuf>

namespace sc::obs {

namespace {

void escape_into(std::string& out, std::string_view s) {
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

bool contains(std::string_view s, std::string_view w) { return s.find(w) != std::string_view::npos; }

/// Collects a line per thread and writes it whole, as JSON, under a lock.
class json_buf : public std::streambuf {
 public:
  explicit json_buf(std::streambuf* out) : out_(out) {}

 protected:
  int overflow(int ch) override {
    if (ch == traits_type::eof()) return 0;
    auto& line = pending();
    if (ch == '\n') {
      flush_line(line);
    } else {
      line += static_cast<char>(ch);
    }
    return ch;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    auto& line = pending();
    for (std::streamsize i = 0; i < n; ++i) {
      if (s[i] == '\n') flush_line(line);
      else line += s[i];
    }
    return n;
  }
  int sync() override { return 0; }

 private:
  static std::string& pending() {
    thread_local std::string line;
    return line;
  }
  void flush_line(std::string& line) {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    std::string j = json_log_line(line, now);
    j += '\n';
    line.clear();
    std::lock_guard lock(mu_);
    out_->sputn(j.data(), static_cast<std::streamsize>(j.size()));
    out_->pubsync();
  }
  std::streambuf* out_;
  std::mutex mu_;
};

}  // namespace

std::string json_log_line(std::string_view line, int64_t epoch_ms) {
  std::string_view logger = "statecraftd";
  if (line.starts_with("statecraftd: ")) line.remove_prefix(13);
  const char* level = "info";
  if (contains(line, "cannot") || contains(line, "failed") || contains(line, "refusing") ||
      contains(line, "error") || contains(line, "broken"))
    level = "error";
  else if (contains(line, "waiting") || contains(line, "lowered") || contains(line, "retry"))
    level = "warn";
  time_t secs = static_cast<time_t>(epoch_ms / 1000);
  tm t{};
  gmtime_r(&secs, &t);
  char ts[64];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.tm_year + 1900,
                t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
                static_cast<int>(epoch_ms % 1000));
  std::string out = "{\"time\":\"";
  out += ts;
  out += "\",\"level\":\"";
  out += level;
  out += "\",\"logger\":\"";
  out += logger;
  out += "\",\"msg\":\"";
  escape_into(out, line);
  out += "\"}";
  return out;
}

void install_json_log() {
  static json_buf* buf = new json_buf(std::cerr.rdbuf());  // lives as long as the process
  std::cerr.rdbuf(buf);
}

}  // namespace sc::obs
