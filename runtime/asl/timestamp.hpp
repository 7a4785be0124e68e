// RFC 3339 timestamps as the States Language restricts them: an uppercase
// `T` between date and time, and an uppercase `Z` unless a numeric offset is
// given ("2016-03-14T01:59:00Z", "2016-03-14T01:59:00.123+02:00").
// Used to validate Wait `Timestamp` / Choice `Timestamp*` literals and to
// compare timestamps as instants in Choice rules. Private to runtime/asl.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sc::asl::detail {

/// An instant: whole seconds since the Unix epoch (UTC) plus nanoseconds.
struct instant {
  int64_t seconds = 0;
  int32_t nanos = 0;
  auto operator<=>(const instant&) const = default;
};

/// Parses `text`; nullopt when it is not a valid States Language timestamp.
std::optional<instant> parse_timestamp(std::string_view text);

}  // namespace sc::asl::detail
