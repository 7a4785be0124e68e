#include "api/static_assets_info.hpp"

#include "api/static_assets.hpp"
#include "runtime/json/json.hpp"

#include <string_view>

namespace sc::api {

bool handle_console_info(const request& req, const responder& done, const std::string& console_dir,
                         const std::string& auth_mode, const std::string& region) {
  if (req.method != "GET") return false;
  std::string_view path = req.path;
  if (auto q = path.find_first_of("?#"); q != std::string_view::npos) path = path.substr(0, q);
  if (path != "/console/info.json") return false;
  if (console_folder(console_dir).empty()) return false;  // the console is off: its 404
  response r;
  r.status = 200;
  r.content_type = "application/json";
  r.body = std::string("{\"auth\":") + json::quote(auth_mode == "sigv4" ? "sigv4" : "none") +
           ",\"region\":" + json::quote(region) + "}";
  done(std::move(r));
  return true;
}

}  // namespace sc::api
