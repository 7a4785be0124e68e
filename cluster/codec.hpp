// Binary encoding of what the stores persist, with msgpack.
//
// Every blob is: one format-version byte (`format_version`), one kind byte
// (which record type follows, so a blob of one kind never decodes as
// another), then ONE msgpack array holding the record's fields in a fixed
// order. Readers of version 1 accept arrays with extra trailing fields, so
// a later writer can append fields without a new version; anything else
// that changes the layout bumps the version byte.
//
// decode() never throws and never crashes on garbage: it returns false (and
// fills *error when given) for a short buffer, an unknown version or kind,
// malformed msgpack, a field of the wrong type or out of range, an enum
// value out of range, or trailing bytes. Sizes declared inside the blob are
// bounded by the blob's length before anything is allocated.
//
// execution_record is encoded WITHOUT its `state` (stores keep the state
// snapshot under its own key; encode the execution_state separately).
#pragma once

#include "cluster/store.hpp"
#include "runtime/interp/state.hpp"
#include "runtime/model/history_event.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sc::cluster::codec {

inline constexpr uint8_t format_version = 1;

/// The kind byte (second byte of every blob).
enum class kind : uint8_t {
  state_machine = 'M',
  activity = 'A',
  execution = 'E',
  history_event = 'H',
  execution_state = 'S',
  tags = 'T',
  alias = 'L',
  map_run = 'R',
};

std::string encode(const state_machine_record& r);
std::string encode(const activity_record& r);
/// `omit` leaves out what a store already holds elsewhere for an execution
/// (written as empty strings): for a record its arn, machine arn, role,
/// revision id and definition; for a state the execution's arn, machine
/// arn and name, name, role and input. The memory store keeps those once
/// and puts them back after decoding.
enum class identity { keep, omit };

std::string encode(const execution_record& r, identity id = identity::keep);  ///< without r.state
std::string encode(const model::history_event& e);
std::string encode(const interp::execution_state& s, identity id = identity::keep);
std::string encode(const std::vector<tag>& tags);
std::string encode(const alias_record& a);
std::string encode(const interp::map_run_record& r);

bool decode(std::string_view blob, state_machine_record& out, std::string* error = nullptr);
bool decode(std::string_view blob, activity_record& out, std::string* error = nullptr);
/// Leaves out.state untouched.
bool decode(std::string_view blob, execution_record& out, std::string* error = nullptr);
bool decode(std::string_view blob, model::history_event& out, std::string* error = nullptr);
bool decode(std::string_view blob, interp::execution_state& out, std::string* error = nullptr);
bool decode(std::string_view blob, std::vector<tag>& out, std::string* error = nullptr);
bool decode(std::string_view blob, alias_record& out, std::string* error = nullptr);
bool decode(std::string_view blob, interp::map_run_record& out, std::string* error = nullptr);

}  // namespace sc::cluster::codec
