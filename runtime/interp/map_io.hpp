// Distributed Map's ItemReader and ResultWriter: the S3 calls the core
// cannot make itself, asked for as commands and answered as events, so the
// core stays pure and no S3 call ever runs on an execution's worker thread.
//
// The node passes a `map_io` in `limits` (its settings); without one (unit
// tests, `statecraft run`) a Map using an ItemReader or a ResultWriter
// Resource fails as it starts with States.ItemReaderFailed /
// States.ResultWriterFailed.
//
// Protocol: step emits cmd_map_io{task, request} (the task id is in
// execution_state::tasks, pointing at the Map's thread, so a restart makes
// the call again from the stored state: map_io_in_flight). The node's
// actors/aws_map_io.cpp makes the S3 calls asynchronously and answers with
// ev_integration{task}: `succeeded` with the answer's JSON as output, or
// `failed` (States.ItemReaderFailed / States.ResultWriterFailed, a cause
// naming the call). Requests (JSON):
//
//   {"Op":"read","Resource":"arn:aws:states:::s3:getObject|listObjectsV2",
//    "Parameters":{"Bucket","Key"|"Prefix"},"ReaderConfig":{...},
//    "Cursor":<the last answer's Cursor, or null at the start>,"Max":N}
//      → {"Items":[...at most N],"Cursor":<opaque JSON>,"End":bool}
//   {"Op":"put","Bucket","Key","Body"}   (a results file or the manifest)
//      → {"Size":bytes}
//
// Cursors (opaque to the core, kept in the Map's state): getObject CSV,
// JSONL, JSON arrays and CSV manifests: {"Offset": byte offset of the next
// row / element, "Header": the CSV header once read, "InArray": inside the
// JSON array, "Count": items read}; listObjectsV2: {"Token": continuation
// token, "Count"}; getObject JSON with ItemsPointer: the document is parsed
// whole, so its items come in one window (documented limit).
// ReaderConfig.MaxItems is applied by the reader across windows (Count).
//
// The Map keeps a window of not-yet-launched items (map_stream::base) and
// asks for more when fewer than half a window is left; a window is
// max(window_items, 2 × MaxConcurrency) items. Results with a ResultWriter
// Resource are buffered in the Map's state (bounded by result_file_bytes)
// and written as SUCCEEDED_n / FAILED_n files as the buffer fills, then the
// manifest when the Map ends.
#pragma once

#include "runtime/interp/command.hpp"
#include "runtime/interp/state.hpp"

#include <cstdint>
#include <optional>

namespace sc::interp {

struct map_io {
  /// Items read per window (at least; 2 × MaxConcurrency when larger).
  int64_t window_items = 1000;
  /// Bytes of ResultWriter records buffered before a results file is written.
  int64_t result_file_bytes = int64_t(1) << 20;
};

/// The S3 call a Map thread waits for as `task` (after a restart), if any.
std::optional<cmd_map_io> map_io_in_flight(const execution_state& s, int64_t task);

}  // namespace sc::interp
