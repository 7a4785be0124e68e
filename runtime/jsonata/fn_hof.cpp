// Higher-order built-ins: $map, $filter, $single, $reduce.
//
// Callbacks get only as many arguments as they declare (jsonata-js's
// hofFuncArgs/getFunctionArity): the item, then the index, then the whole
// array. $reduce refuses a function of fewer than two parameters (D3050)
// and passes the index and the array only to functions that declare them.
#include "runtime/jsonata/fn_util.hpp"

namespace sc::jsonata {
namespace fn {
namespace {

std::vector<value> hof_args(call_context& ctx, const value& f, const value& item, size_t i,
                            const value& all) {
  std::vector<value> out{item};
  size_t n = ctx.arity(f);
  if (n >= 2) out.push_back(value::number(double(i)));
  if (n >= 3) out.push_back(all);
  return out;
}

value f_map(call_context& ctx, std::vector<value>& args) {
  const value& arr = arg(args, 0);
  if (arr.is_undefined()) return value();
  const value& f = arg(args, 1);
  std::vector<value> out;
  const auto& items = arr.as_array().items;
  for (size_t i = 0; i < items.size(); ++i) {
    value r = ctx.apply(f, hof_args(ctx, f, items[i], i, arr));
    if (!r.is_undefined()) out.push_back(std::move(r));
  }
  return seq(std::move(out));
}

value f_filter(call_context& ctx, std::vector<value>& args) {
  const value& arr = arg(args, 0);
  if (arr.is_undefined()) return value();
  const value& f = arg(args, 1);
  std::vector<value> out;
  const auto& items = arr.as_array().items;
  for (size_t i = 0; i < items.size(); ++i) {
    value r = ctx.apply(f, hof_args(ctx, f, items[i], i, arr));
    if (truthy(r)) out.push_back(items[i]);
  }
  return seq(std::move(out));
}

value f_single(call_context& ctx, std::vector<value>& args) {
  const value& arr = arg(args, 0);
  if (arr.is_undefined()) return value();
  const value& f = arg(args, 1);
  bool found = false;
  value result;
  const auto& items = arr.as_array().items;
  for (size_t i = 0; i < items.size(); ++i) {
    bool pass = true;
    if (!f.is_undefined()) pass = truthy(ctx.apply(f, hof_args(ctx, f, items[i], i, arr)));
    if (!pass) continue;
    if (found) raise_at("D3138", ctx, value(), i);
    result = items[i];
    found = true;
  }
  if (!found) raise_at("D3139", ctx);
  return result;
}

value f_reduce(call_context& ctx, std::vector<value>& args) {
  const value& arr = arg(args, 0);
  if (arr.is_undefined()) return value();
  const value& f = arg(args, 1);
  size_t n = ctx.arity(f);
  if (n < 2) raise_at("D3050", ctx, value(), 1);
  const auto& items = arr.as_array().items;
  const value& init = arg(args, 2);
  value acc;
  size_t i = 0;
  if (init.is_undefined() && !items.empty()) {
    acc = items[0];
    i = 1;
  } else {
    acc = init;
  }
  for (; i < items.size(); ++i) {
    std::vector<value> a{acc, items[i]};
    if (n >= 3) a.push_back(value::number(double(i)));
    if (n >= 4) a.push_back(arr);
    acc = ctx.apply(f, std::move(a));
  }
  return acc;
}

const builtin table[] = {
    {"map", "<af>", f_map},
    {"filter", "<af>", f_filter},
    {"single", "<af?>", f_single},
    {"reduce", "<afj?:j>", f_reduce},
};

}  // namespace
}  // namespace fn

std::span<const builtin> tables::hof_functions() { return fn::table; }

}  // namespace sc::jsonata
