// Dead-letter queue redrive: StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask.
// AWS moves messages in the background at up to MaxNumberOfMessagesPerSecond; here a task moves
// every message that is available when it starts, at once, and is then COMPLETED. Messages in
// flight at that moment stay in the dead-letter queue, as they would in AWS until visible.

#include "fogbank/core/json_limits.hpp"
#include "message_format.hpp"
#include "queue_attributes.hpp"
#include "request.hpp"
#include "service_impl.hpp"

namespace fogbank::sqs {
namespace {

[[noreturn]] void not_found(const std::string& parameter) {
  fail(core::error_code::resource_not_found,
       "The resource that you specified for the " + parameter + " parameter doesn't exist.");
}

}  // namespace

json service_impl::start_message_move_task(const json& request, const request_context& context) {
  (void)context;
  const std::string source_arn = required_string(request, "SourceArn");
  queue* source = find_queue_by_arn(source_arn);
  if (!source) not_found("SourceArn");
  bool is_dead_letter_queue = false;
  for (const auto& [key, q] : queues_) {
    if (q->settings.redrive && q->settings.redrive->dead_letter_target_arn == source_arn) {
      is_dead_letter_queue = true;
      break;
    }
  }
  if (!is_dead_letter_queue) {
    fail(core::error_code::invalid_parameter_value,
         "Source queue must be configured as a Dead Letter Queue.");
  }
  const std::string destination_arn = optional_string(request, "DestinationArn").value_or("");
  if (!destination_arn.empty() && !find_queue_by_arn(destination_arn)) not_found("DestinationArn");
  const auto rate = optional_int(request, "MaxNumberOfMessagesPerSecond");
  if (rate && (*rate < 1 || *rate > 500)) {
    fail_invalid_value("MaxNumberOfMessagesPerSecond", std::to_string(*rate),
                       "Must be between 1 and 500, if provided.");
  }
  for (const auto& task : move_tasks_) {
    if (task.source_arn == source_arn && task.status == "RUNNING") {
      fail(core::error_code::invalid_parameter_value,
           "There is already a task running. Only one active task is allowed for a source queue arn at a "
           "given "
           "time.");
    }
  }
  move_task_state task;
  task.handle = base64_encode(json{{"taskId", ids_.uuid()}, {"sourceArn", source_arn}}.dump());
  task.source_arn = source_arn;
  task.destination_arn = destination_arn;
  task.max_per_second = rate;
  task.status = "RUNNING";
  task.started_ms = now_ms();
  run_move_task(task);
  move_tasks_.push_back(task);
  return json{{"TaskHandle", task.handle}};
}

void service_impl::run_move_task(move_task_state& task) {
  queue* source = find_queue_by_arn(task.source_arn);
  if (!source) {
    task.status = "FAILED";
    task.failure_reason = "AWS.SimpleQueueService.NonExistentQueue";
    return;
  }
  const std::int64_t now = now_ms();
  std::vector<std::uint64_t> available;
  for (const auto& [seq, m] : source->messages) {
    if (m.visible(now)) available.push_back(seq);
  }
  task.to_move = static_cast<std::int64_t>(available.size());
  storage::write_batch batch;
  for (auto seq : available) {
    const message& m = source->messages.at(seq);
    const std::string& target_arn =
        task.destination_arn.empty() ? m.dead_letter_source_arn : task.destination_arn;
    queue* target = target_arn.empty() ? nullptr : find_queue_by_arn(target_arn);
    if (!target || target == source) continue;
    move_to_queue(*source, seq, *target, batch, false);
    ++task.moved;
  }
  if (!batch.empty()) commit(batch);
  task.status = "COMPLETED";
}

json service_impl::list_message_move_tasks(const json& request, const request_context& context) {
  (void)context;
  const std::string source_arn = required_string(request, "SourceArn");
  if (!find_queue_by_arn(source_arn)) not_found("SourceArn");
  const auto max_results = optional_int(request, "MaxResults");
  if (max_results && (*max_results < 1 || *max_results > 10)) {
    fail_invalid_value("MaxResults", std::to_string(*max_results), "Must be between 1 and 10, if provided.");
  }
  const std::size_t limit = max_results ? static_cast<std::size_t>(*max_results) : 1;
  json results = json::array();
  // Most recent first.
  for (auto it = move_tasks_.rbegin(); it != move_tasks_.rend() && results.size() < limit; ++it) {
    if (it->source_arn != source_arn) continue;
    json entry{{"Status", it->status},
               {"SourceArn", it->source_arn},
               {"ApproximateNumberOfMessagesMoved", it->moved},
               {"ApproximateNumberOfMessagesToMove", it->to_move},
               {"StartedTimestamp", it->started_ms}};
    if (it->status == "RUNNING") entry["TaskHandle"] = it->handle;
    if (!it->destination_arn.empty()) entry["DestinationArn"] = it->destination_arn;
    if (it->max_per_second) entry["MaxNumberOfMessagesPerSecond"] = *it->max_per_second;
    if (!it->failure_reason.empty()) entry["FailureReason"] = it->failure_reason;
    results.push_back(std::move(entry));
  }
  return json{{"Results", results}};
}

json service_impl::cancel_message_move_task(const json& request, const request_context& context) {
  (void)context;
  const std::string handle = required_string(request, "TaskHandle");
  for (auto& task : move_tasks_) {
    if (task.handle != handle) continue;
    if (task.status != "RUNNING") {
      fail(core::error_code::invalid_parameter_value, "Only active tasks can be cancelled.");
    }
    task.status = "CANCELLED";
    return json{{"ApproximateNumberOfMessagesMoved", task.moved}};
  }
  // A handle is base64 of a small JSON object (start_message_move_task); anything else is not one.
  auto decoded = base64_decode(handle);
  if (!decoded || !core::parse_json_within(*decoded, max_attribute_json_depth)) {
    fail(core::error_code::invalid_parameter_value, "Value for parameter TaskHandle is invalid.");
  }
  fail(core::error_code::resource_not_found, "Task does not exist.");
}

}  // namespace fogbank::sqs
