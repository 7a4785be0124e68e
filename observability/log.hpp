// Log lines. The node writes its messages to std::cerr as text lines
// ("statecraftd: message"); with `node.log_format: json` (--log-format json)
// install_json_log() turns every line written to std::cerr, by any thread,
// into one JSON object: {"time":"<ISO-8601>","level":"info|warn|error",
// "logger":"statecraftd","msg":"message"} (docs/observability.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sc::obs {

/// Replaces std::cerr's buffer with one that writes JSON lines to the
/// original. Call once, early in main. Not undone.
void install_json_log();

/// One log line as JSON (what install_json_log writes for `line`, without
/// the trailing newline). The level is read from the message's wording:
/// refusals and failures are "error", waiting and lowering are "warn".
std::string json_log_line(std::string_view line, int64_t epoch_ms);

}  // namespace sc::obs
