// The web console's assets (console/, built into console/dist by
// `npm run build`): GET / answers index.html, GET /console/<file> the file.
// POST / stays the AWS JSON API; the console itself only calls that API.
// Files are read from the folder at each request (a rebuilt console is
// served without a restart); nothing is fetched from elsewhere.
#pragma once

#include <string>

#include "api/http_server.hpp"

namespace sc::api {

/// The folder served: `configured` (api.console_dir / --console-dir), or
/// the build's console/dist when empty; "" when "off".
std::string console_folder(const std::string& configured);

/// True when `req` is a GET for the console (then `done` was called):
/// "/", "/index.html" and "/console/..." (query strings ignored), except
/// "/console/info.json" (api/static_assets_info.hpp).
bool handle_static_asset(const request& req, const responder& done,
                         const std::string& configured_dir);

}  // namespace sc::api
