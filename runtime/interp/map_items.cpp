// The input side of a Distributed Map: where its items come from and what
// each iteration receives.
//
//   * ItemReader and ResultWriter name S3 calls. Statecraft has no AWS
//     service integrations yet, so a Map using them fails as it starts, with
//     the errors AWS raises when those calls cannot be made
//     (States.ItemReaderFailed, States.ResultWriterFailed) and a cause that
//     says why. Both are ordinary errors of the Map (MapStateFailed is
//     recorded): Retry and Catch see them.
//   * ItemBatcher: AWS applies ItemSelector to each item, then groups the
//     selected items into batches; each iteration's input is
//     {"BatchInput": <BatchInput>, "Items": [...]} ("BatchInput" only when
//     given). A batch closes at MaxItemsPerBatch items, or before the item
//     that would take its input past MaxInputBytesPerBatch bytes (an item
//     too big on its own gets a batch to itself). BatchInput is evaluated
//     once, against the state's effective input.
//   * Failure thresholds count items: a failed batch counts every item in it
//     as failed, and ToleratedFailurePercentage is over all items.
#include "runtime/interp/runner.hpp"

#include <algorithm>

namespace sc::interp::detail {
namespace {

constexpr int64_t kMaxBatchBytes = 262144;  // AWS's 256 KiB payload limit

std::string shown(const json::value& v) {
  return v.IsString() ? std::string(v.GetString()) : json::dump(v);
}

}  // namespace

std::optional<failure> runner::map_sources_unavailable(thread& t, const asl::state& st) {
  std::optional<failure> f;
  if (st.item_reader)
    f = failure{"States.ItemReaderFailed",
                "The Map state's ItemReader could not read its items: Statecraft cannot call " +
                    st.item_reader_resource +
                    " yet (the AWS service integrations are not available)."};
  else if (st.result_writer && !st.result_writer_resource.empty())
    f = failure{"States.ResultWriterFailed",
                "The Map state's ResultWriter could not write its results: Statecraft cannot call " +
                    st.result_writer_resource +
                    " yet (the AWS service integrations are not available)."};
  else if (st.result_writer)  // WriterConfig alone: no S3 call, but not applied either
    f = failure{"States.ResultWriterFailed",
                "The Map state's ResultWriter could not be applied: Statecraft does not support "
                "ResultWriter's WriterConfig yet."};
  // A catchable error of the Map itself: MapStateFailed, as when an
  // iteration fails it (unless a Retry will run the state again).
  if (f && !will_retry(t, f->error)) emit(t, "MapStateFailed", "", "");
  return f;
}

std::optional<failure> runner::batch_limit(thread& t, const asl::state& st, const json::value& eff,
                                           const char* name, const std::optional<int64_t>& lit,
                                           const std::optional<eval::path>& path,
                                           const asl::jsonata_field& expr, int64_t max,
                                           int64_t& out) {
  out = -1;
  if (lit) {
    out = *lit;
    return std::nullopt;
  }
  if (expr) {
    auto scope = jsonata_scope_for(t, {&expr});
    double v = 0;
    if (auto f = jsonata_number(t, st, expr, scope, name, true, v)) return f;
    if (v < 1 || v > double(max))
      return query_failed(t, st,
                          failure{"States.QueryEvaluationError",
                                  std::string(name) + " must be between 1 and " +
                                      std::to_string(max) + "."},
                          name, true);
    out = static_cast<int64_t>(v);
    return std::nullopt;
  }
  if (path) {
    std::string field = std::string(name) + "Path";
    if (auto f = int_field(t, eff, path, field.c_str(), out)) return f;
    if (out < 1 || out > max)
      return runtime(t, "The " + field + " field refers to value \"" + std::to_string(out) +
                            "\" which is not between 1 and " + std::to_string(max) + ": " +
                            path->text());
  }
  return std::nullopt;
}

std::optional<failure> runner::batch_map_items(thread& t, const asl::state& st,
                                               const json::value& eff, json::document& items,
                                               bool carry) {
  if (!st.item_batcher || !items.IsArray()) return std::nullopt;
  int64_t max_items = -1, max_bytes = -1;
  if (auto f = batch_limit(t, st, eff, "MaxItemsPerBatch", st.max_items_per_batch,
                           st.max_items_per_batch_path, st.max_items_per_batch_expr, INT64_MAX,
                           max_items))
    return f;
  if (auto f = batch_limit(t, st, eff, "MaxInputBytesPerBatch", st.max_input_bytes_per_batch,
                           st.max_input_bytes_per_batch_path, st.max_input_bytes_per_batch_expr,
                           kMaxBatchBytes, max_bytes))
    return f;

  // BatchInput, once for the whole Map.
  json::document batch_input;
  bool has_batch_input = false;
  if (st.batch_input_expr) {
    auto scope = jsonata_scope_for(t, {&st.batch_input_expr});
    std::string where;
    if (auto f = st.batch_input_expr->evaluate(scope, batch_input, batch_input.GetAllocator(),
                                               &where))
      return query_failed(t, st, *f, where, true);
    if (!batch_input.IsObject())
      return query_failed(t, st,
                          failure{"States.QueryEvaluationError",
                                  "The BatchInput field must evaluate to a JSON object but was: " +
                                      shown(batch_input)},
                          "BatchInput", true);
    has_batch_input = true;
  } else if (st.batch_input) {
    if (auto f = apply_template(t, *st.batch_input, eff, batch_input)) return f;
    has_batch_input = true;
  }
  const std::string batch_input_text = has_batch_input ? json::dump(batch_input) : "";
  // {"BatchInput":…,"Items":[]} or {"Items":[]}: the bytes every batch has.
  const int64_t base_bytes =
      has_batch_input ? int64_t(batch_input_text.size()) + 26 : 12;

  json::document batches;
  batches.SetArray();
  auto& a = batches.GetAllocator();
  json::value current(rapidjson::kArrayType);
  int64_t current_bytes = base_bytes;
  // A streamed ItemReader: the batch left open by the last window goes on.
  if (!t.ms.carry.empty()) {
    json::document open;
    if (json::parse(t.ms.carry, open) && open.IsArray())
      for (auto& v : open.GetArray()) {
        current_bytes += int64_t(json::dump(v).size()) + (current.Empty() ? 0 : 1);
        current.PushBack(json::value(v, a), a);
      }
    t.ms.carry.clear();
  }
  // Index of items[0] among all the Map's items (a streamed window's start).
  const int64_t first = t.ms.reader.empty() ? 0 : t.ms.read - int64_t(items.Size());
  auto flush = [&] {
    if (current.Empty()) return;
    json::value batch(rapidjson::kObjectType);
    if (has_batch_input) batch.AddMember("BatchInput", json::value(batch_input, a), a);
    batch.AddMember("Items", current, a);
    batches.PushBack(batch, a);
    current = json::value(rapidjson::kArrayType);
    current_bytes = base_bytes;
  };

  for (rapidjson::SizeType i = 0; i < items.Size(); ++i) {
    const json::value& item = items[i];
    json::document selected;
    if (st.jsonata && st.item_selector) {
      std::string text;
      if (auto f = jsonata_item_selector(t, st, item, first + i, text)) return f;
      json::parse(text, selected);
    } else if (st.parameters) {
      if (auto f = apply_template(t, *st.parameters, eff, selected, &item, first + i)) return f;
    } else {
      selected.CopyFrom(item, selected.GetAllocator());
    }
    int64_t item_bytes = int64_t(json::dump(selected).size());
    int64_t added = item_bytes + (current.Empty() ? 0 : 1);
    if (!current.Empty() &&
        ((max_items > 0 && int64_t(current.Size()) >= max_items) ||
         (max_bytes > 0 && current_bytes + added > max_bytes)))
      flush();
    current_bytes += item_bytes + (current.Empty() ? 0 : 1);
    current.PushBack(json::value(selected, a), a);
  }
  if (carry && !current.Empty())
    t.ms.carry = json::dump(current);  // more items to come: the batch stays open
  else
    flush();
  for (const auto& b : batches.GetArray())
    if (too_deep(json::dump(b))) return too_deep(t, "The ItemBatcher result");
  items.CopyFrom(batches, items.GetAllocator());  // not Swap: each document owns its pool
  return std::nullopt;
}

int64_t runner::batch_size(const asl::state& st, const json::value& item) {
  if (!st.item_batcher) return 1;
  auto it = item.IsObject() ? item.FindMember("Items") : item.MemberEnd();
  return item.IsObject() && it != item.MemberEnd() && it->value.IsArray()
             ? int64_t(it->value.Size())
             : 1;
}

int64_t runner::map_items_in(const asl::state& st, const json::value& items) {
  if (!items.IsArray()) return 0;
  if (!st.item_batcher) return int64_t(items.Size());
  int64_t total = 0;
  for (const auto& b : items.GetArray()) total += batch_size(st, b);
  return total;
}

int64_t runner::map_iteration_items(const thread& p, const asl::state& st, int64_t index) const {
  if (!st.item_batcher) return 1;
  json::document batches;
  if (!json::parse(p.items, batches) || !batches.IsArray() || index < 0 ||
      index >= int64_t(batches.Size()))
    return 1;
  const json::value& b = batches[static_cast<rapidjson::SizeType>(index)];
  auto it = b.IsObject() ? b.FindMember("Items") : b.MemberEnd();
  return b.IsObject() && it != b.MemberEnd() && it->value.IsArray() ? int64_t(it->value.Size()) : 1;
}

int64_t runner::map_total_items(const thread& p, const asl::state& st) const {
  if (!st.item_batcher) return p.item_count;
  json::document batches;
  if (!json::parse(p.items, batches) || !batches.IsArray()) return p.item_count;
  int64_t total = 0;
  for (const auto& b : batches.GetArray()) {
    auto it = b.IsObject() ? b.FindMember("Items") : b.MemberEnd();
    total += b.IsObject() && it != b.MemberEnd() && it->value.IsArray() ? int64_t(it->value.Size()) : 1;
  }
  return total;
}

bool runner::map_threshold_exceeded(const thread& p, const asl::state& st) const {
  // Exceeded when the failed items are more than ToleratedFailureCount, or
  // make up more than ToleratedFailurePercentage of all the items: either
  // threshold, when both are set, fails the Map.
  if (p.tolerated_count >= 0 && p.failures > p.tolerated_count) return true;
  if (p.tolerated_percentage >= 0) {
    // Counted once when the Map started (map_items_total); a Map saved
    // before that was kept counts them from its items.
    int64_t total = p.map_items_total > 0 ? p.map_items_total : map_total_items(p, st);
    if (total > 0 && double(p.failures) * 100.0 / double(total) > p.tolerated_percentage)
      return true;
  }
  return false;
}

}  // namespace sc::interp::detail
