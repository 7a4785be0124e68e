// ISO-8601 / RFC 3339 timestamps, as Wait states and Choice timestamp
// comparisons read them and as the context object writes them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sc::model {

/// Parses an extended-offset date-time ("2016-03-14T01:59:00Z",
/// "2016-03-14T01:59:00.123+01:00"); calendar-checked. Epoch milliseconds.
std::optional<int64_t> parse_iso8601(std::string_view text);

/// "2024-05-01T12:00:00.123Z" (always milliseconds, always Z).
std::string format_iso8601(int64_t epoch_ms);

}  // namespace sc::model
