// The Wait state: Seconds, Timestamp, SecondsPath, TimestampPath.
#include "runtime/interp/runner.hpp"

#include "runtime/model/time.hpp"

#include <algorithm>

namespace sc::interp::detail {

namespace {

std::string number_text(const json::value& v) { return json::dump(v); }

}  // namespace

flow runner::exec_wait(thread& t, const asl::state& st) {
  json::document in;
  json::parse(t.input, in);
  json::document eff;
  if (auto f = apply_input_path(t, st.input_path, in, eff)) return flow::fail(*f);
  int64_t due = now_;
  if (st.seconds) {
    due = due_after(*st.seconds);
  } else if (st.timestamp) {
    auto ts = model::parse_iso8601(*st.timestamp);
    if (!ts)
      return flow::fail(runtime(
          t, "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time "
             "format string: " + *st.timestamp));
    due = *ts;
  } else if (st.seconds_path) {
    json::value v;
    json::document tmp;
    if (!select(t, *st.seconds_path, eff, v, tmp.GetAllocator()))
      return flow::fail(runtime(t, "Invalid path '" + st.seconds_path->text() +
                                       "' : No results for path: " +
                                       st.seconds_path->canonical()));
    if (!v.IsNumber() || !(v.IsInt64() || v.IsUint64()))
      return flow::fail(runtime(t, "The SecondsPath parameter cannot be parsed as a long value: " +
                                       st.seconds_path->text() + " == " +
                                       (v.IsString() ? std::string(v.GetString())
                                                     : number_text(v))));
    if (v.IsInt64() && v.GetInt64() < 0)
      return flow::fail(runtime(t, "The SecondsPath parameter references a negative value: " +
                                       st.seconds_path->text() + " == " + number_text(v)));
    int64_t secs = v.IsInt64() ? v.GetInt64() : static_cast<int64_t>(v.GetUint64() / 2);
    due = now_ + std::min<int64_t>(secs, 99999999) * 1000;
  } else if (st.timestamp_path) {
    json::value v;
    json::document tmp;
    if (!select(t, *st.timestamp_path, eff, v, tmp.GetAllocator()))
      return flow::fail(runtime(t, "Invalid path '" + st.timestamp_path->text() +
                                       "' : No results for path: " +
                                       st.timestamp_path->canonical()));
    std::optional<int64_t> ts;
    if (v.IsString()) ts = model::parse_iso8601(v.GetString());
    if (!ts)
      return flow::fail(runtime(
          t, "The TimestampPath parameter does not reference a valid ISO-8601 extended offset "
             "date-time format string: " +
                 st.timestamp_path->text() + " == " +
                 (v.IsString() ? std::string(v.GetString()) : json::dump(v))));
    due = *ts;
  }
  t.effective = json::dump(eff);
  t.ph = phase::wait;
  t.timer = arm_timer(t, timer_kind::wait, due);
  return flow::blocked();
}

}  // namespace sc::interp::detail
