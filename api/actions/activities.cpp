// CreateActivity, DescribeActivity, DeleteActivity, ListActivities.
#include "api/actions/configuration.hpp"
#include "api/actions/quotas.hpp"
#include "api/service.hpp"
#include "runtime/model/arn.hpp"

namespace sc::api {

void create_activity(context& c) {
  auto name = c.m.required_str("name", 1, 80);
  std::string arn = model::activity_arn(c.region, c.account, name);
  auto tags = read_tags(c.m.array("tags"), arn);
  auto encryption = read_encryption(c.m);
  require_name(name);
  if (tags.size() > 50) {
    aws_error e("TooManyTags", "Too many tags: the limit is 50 tags per resource");
    e.extra_json = "\"resourceName\":" + json::quote(arn);
    throw e;
  }
  cluster::activity_record r{arn, name, actors::now_ms(), encryption.value_or("")};
  check_activity_quota(c, arn);
  cluster::activity_record existing;
  // Idempotent on the name: a repeated create returns the existing activity
  // (different tags are ignored, as AWS documents).
  if (c.store.create_activity(r, existing) == cluster::create_outcome::created) {
    if (!tags.empty()) c.store.set_tags(arn, tags);
  } else {
    // The encryption configuration of an activity may not be changed by a
    // repeated create (AWS: ActivityAlreadyExists).
    if (encryption && encryption_or_default(*encryption) !=
                          encryption_or_default(existing.encryption_json))
      throw aws_error("ActivityAlreadyExists", "Activity already exists: '" + arn + "'");
    r = existing;
  }
  c.ok(out().str("activityArn", r.arn).time("creationDate", r.creation_ms).done());
}

void describe_activity(context& c) {
  auto arn = c.m.required_str("activityArn", 1, 256);
  require_arn(arn, model::arn_kind::activity);
  auto r = c.store.get_activity(arn);
  if (!r) throw aws_error("ActivityDoesNotExist", "Activity Does Not Exist: '" + arn + "'");
  c.ok(out()
           .str("activityArn", r->arn)
           .str("name", r->name)
           .time("creationDate", r->creation_ms)
           .raw("encryptionConfiguration", encryption_or_default(r->encryption_json))
           .done());
}

void delete_activity(context& c) {
  auto arn = c.m.required_str("activityArn", 1, 256);
  require_arn(arn, model::arn_kind::activity);
  c.store.delete_activity(arn);
  c.ok("{}");
}

void list_activities(context& c) {
  size_t limit = page_size(c.m);
  std::string after;
  if (auto tok = c.m.str("nextToken", 1, 1024)) after = decode_page_token(c.node.tokens(), "act", *tok);
  // Only the caller's Region and account (ARNs sort by it: one range).
  const std::string prefix = namespace_prefix(c) + "activity:";
  if (after < prefix) after = prefix;
  auto page = c.store.list_activities(after, limit);
  keep_prefix(page, prefix);
  out o;
  auto& w = o.key("activities").writer();
  w.StartArray();
  for (auto& r : page.items) {
    w.StartObject();
    w.Key("activityArn");
    w.String(r.arn.c_str());
    w.Key("name");
    w.String(r.name.c_str());
    w.Key("creationDate");
    auto t = out::epoch_text(r.creation_ms);
    w.RawValue(t.c_str(), t.size(), rapidjson::kNumberType);
    w.EndObject();
  }
  w.EndArray();
  if (!page.next.empty()) o.str("nextToken", encode_page_token(c.node.tokens(), "act", page.next));
  c.ok(o.done());
}

}  // namespace sc::api
