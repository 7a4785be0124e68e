#include "api/admin_clock.hpp"

#include "actors/clock.hpp"
#include "cluster/store.hpp"
#include "runtime/json/json.hpp"
#include "runtime/model/time.hpp"

#include <cmath>

namespace sc::api {

namespace {

constexpr std::string_view route = "/_statecraft/clock";

response message(int status, const std::string& text) {
  return response{status, "{\"message\":" + json::quote(text) + "}", {}};
}

response clock_state(int64_t now) {
  return response{200,
                  "{\"clock\":\"manual\",\"now\":" + json::quote(model::format_iso8601(now)) +
                      ",\"nowEpochMillis\":" + std::to_string(now) + "}",
                  {}};
}

}  // namespace

bool handle_admin_clock(const request& req, const responder& done, actors::node& node) {
  std::string_view path = req.path;
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  if (path != route && path != std::string(route) + "/") return false;
  if (!actors::manual_clock()) {
    done(message(404, "Not Found: the admin clock exists only with --clock manual"));
    return true;
  }
  if (req.method == "GET") {
    done(clock_state(actors::exec_now_ms()));
    return true;
  }
  if (req.method != "POST") {
    done(message(405, "Use GET or POST on " + std::string(route)));
    return true;
  }
  json::document body;
  std::string err;
  std::string_view text = req.body;
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) text = "{}";
  if (!json::parse_untrusted(text, body, &err) || !body.IsObject()) {
    done(message(400, "The body must be a JSON object: " + err));
    return true;
  }
  const int64_t now = actors::exec_now_ms();
  std::optional<int64_t> target;
  int given = 0;
  if (auto it = body.FindMember("advance"); it != body.MemberEnd()) {
    ++given;
    auto d = it->value.IsString()
                 ? actors::parse_clock_duration({it->value.GetString(), it->value.GetStringLength()})
                 : std::nullopt;
    if (!d) {
      done(message(400, "advance: expected a duration such as \"24h\", \"90m\", \"1h30m\", "
                        "\"45s\", \"250ms\" or \"2d\""));
      return true;
    }
    target = now + *d;
  }
  if (auto it = body.FindMember("advanceSeconds"); it != body.MemberEnd()) {
    ++given;
    double v = it->value.IsNumber() ? it->value.GetDouble() : -1;
    if (!std::isfinite(v) || v < 0 || v > 1e12) {
      done(message(400, "advanceSeconds: expected a number of seconds >= 0"));
      return true;
    }
    target = now + static_cast<int64_t>(std::llround(v * 1000));
  }
  if (auto it = body.FindMember("to"); it != body.MemberEnd()) {
    ++given;
    auto t = it->value.IsString()
                 ? model::parse_iso8601({it->value.GetString(), it->value.GetStringLength()})
                 : std::nullopt;
    if (!t) {
      done(message(400, "to: expected an ISO-8601 instant such as \"2027-01-01T00:00:00Z\""));
      return true;
    }
    if (*t < now) {
      done(message(400, "to: the manual clock only moves forward (it is " +
                            model::format_iso8601(now) + ")"));
      return true;
    }
    target = *t;
  }
  if (given != 1) {
    done(message(400, "Give exactly one of advance, advanceSeconds or to"));
    return true;
  }
  try {
    done(clock_state(node.advance_clock(*target)));
  } catch (const cluster::store_unavailable& e) {
    done(message(503, std::string("The store is unavailable: ") + e.what()));
  }
  return true;
}

}  // namespace sc::api
