#include "api/static_assets.hpp"

#include <fstream>
#include <sstream>
#include <string_view>

#ifndef STATECRAFT_CONSOLE_DIR
#define STATECRAFT_CONSOLE_DIR ""
#endif

namespace sc::api {

namespace {

std::string_view content_type_of(std::string_view path) {
  auto dot = path.rfind('.');
  std::string_view ext = dot == std::string_view::npos ? "" : path.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json" || ext == "map") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

/// A relative path made of plain segments only: letters, digits, '.', '_',
/// '-', separated by '/', none empty or starting with '.'.
bool safe_relative(std::string_view p) {
  if (p.empty() || p.size() > 200) return false;
  bool segment_start = true;
  for (char c : p) {
    if (c == '/') {
      if (segment_start) return false;
      segment_start = true;
      continue;
    }
    if (segment_start && c == '.') return false;
    segment_start = false;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return !segment_start;
}

response text_response(int status, std::string body) {
  response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = "text/plain; charset=utf-8";
  return r;
}

}  // namespace

std::string console_folder(const std::string& configured) {
  if (configured == "off") return "";
  if (!configured.empty()) return configured;
  return STATECRAFT_CONSOLE_DIR;
}

bool handle_static_asset(const request& req, const responder& done,
                         const std::string& configured_dir) {
  if (req.method != "GET") return false;
  std::string_view path = req.path;
  if (auto q = path.find_first_of("?#"); q != std::string_view::npos) path = path.substr(0, q);
  std::string_view rel;
  if (path == "/" || path == "/index.html" || path == "/console" || path == "/console/") {
    rel = "index.html";
  } else if (path == "/console/info.json") {
    return false;  // not a file: api/static_assets_info.cpp
  } else if (path.substr(0, 9) == "/console/") {
    rel = path.substr(9);
  } else {
    return false;
  }
  const std::string dir = console_folder(configured_dir);
  if (dir.empty()) {
    done(text_response(404, "The web console is turned off (--console-dir off).\n"));
    return true;
  }
  if (!safe_relative(rel)) {
    done(text_response(404, "Not found\n"));
    return true;
  }
  std::ifstream in(dir + "/" + std::string(rel), std::ios::binary);
  if (!in) {
    if (rel == "index.html") {
      done(text_response(404, "The web console is not built: run scripts/setup.sh (or `npm ci && npm "
                              "run build` in console/), or give --console-dir. Looked in " +
                                  dir + "\n"));
    } else {
      done(text_response(404, "Not found\n"));
    }
    return true;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  response r;
  r.status = 200;
  r.body = std::move(buf).str();
  r.content_type = std::string(content_type_of(rel));
  done(std::move(r));
  return true;
}

}  // namespace sc::api
