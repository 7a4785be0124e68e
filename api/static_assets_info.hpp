// The console's one piece of node information, readable without a
// signature so that the page can decide whether to ask for keys before its
// first API call:
//
//   GET /console/info.json  →  {"auth":"sigv4","region":"us-east-1"}
//
// "auth" is the node's `auth.mode` ("none" or "sigv4"), "region" the
// node's Region (the default the sign-in form offers). Nothing else: no
// access key, account, key count, version or configuration. Answered only
// while the console is served (not with --console-dir off).
#pragma once

#include <string>

#include "api/http_server.hpp"

namespace sc::api {

/// True when `req` is GET /console/info.json (then `done` was called).
bool handle_console_info(const request& req, const responder& done, const std::string& console_dir,
                         const std::string& auth_mode, const std::string& region);

}  // namespace sc::api
