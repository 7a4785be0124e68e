// TagResource, UntagResource, ListTagsForResource (state machines and
// activities; AWS's limit is 50 tags per resource).
#include "api/service.hpp"
#include "runtime/model/arn.hpp"

#include <algorithm>

namespace sc::api {

namespace {

std::string require_resource(context& c) {
  auto arn = c.m.required_str("resourceArn", 1, 256);
  auto a = model::parse_arn(arn);
  if (!a || (a->kind != model::arn_kind::state_machine && a->kind != model::arn_kind::activity))
    throw aws_error("InvalidArn", "Invalid Arn: '" + arn + "'");
  bool exists = a->kind == model::arn_kind::state_machine
                    ? c.store.get_state_machine(arn).has_value()
                    : c.store.get_activity(arn).has_value();
  if (!exists) {
    aws_error e("ResourceNotFound", "Resource not found: '" + arn + "'");
    e.extra_json = "\"resourceName\":" + json::quote(arn);
    throw e;
  }
  return arn;
}

}  // namespace

void tag_resource(context& c) {
  if (!c.m.array("tags")) missing_member("tags");
  auto add = read_tags(c.m.array("tags"), c.m.str("resourceArn").value_or(""));
  auto arn = require_resource(c);
  auto tags = c.store.get_tags(arn);
  for (auto& t : add) {
    auto it = std::find_if(tags.begin(), tags.end(), [&](auto& x) { return x.key == t.key; });
    if (it != tags.end())
      it->value = t.value;
    else
      tags.push_back(t);
  }
  if (tags.size() > 50) {
    aws_error e("TooManyTags", "Too many tags: the limit is 50 tags per resource");
    e.extra_json = "\"resourceName\":" + json::quote(arn);
    throw e;
  }
  c.store.set_tags(arn, tags);
  c.ok("{}");
}

void untag_resource(context& c) {
  const json::value* keys = c.m.string_list("tagKeys", 1, 128);
  if (!keys) missing_member("tagKeys");
  auto arn = require_resource(c);
  auto tags = c.store.get_tags(arn);
  for (auto& k : keys->GetArray()) {
    if (!k.IsString()) throw aws_error("SerializationException", "Expected a string tag key");
    std::string key = k.GetString();
    tags.erase(std::remove_if(tags.begin(), tags.end(), [&](auto& t) { return t.key == key; }),
               tags.end());
  }
  c.store.set_tags(arn, tags);
  c.ok("{}");
}

void list_tags_for_resource(context& c) {
  auto arn = require_resource(c);
  out o;
  auto& w = o.key("tags").writer();
  w.StartArray();
  for (auto& t : c.store.get_tags(arn)) {
    w.StartObject();
    w.Key("key");
    w.String(t.key.c_str());
    w.Key("value");
    w.String(t.value.c_str());
    w.EndObject();
  }
  w.EndArray();
  c.ok(o.done());
}

}  // namespace sc::api
