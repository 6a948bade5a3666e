// SQS queue attributes that carry JSON inside a string — RedrivePolicy, Policy,
// RedriveAllowPolicy — set through CreateQueue or SetQueueAttributes, then read back and
// rewritten by GetQueueAttributes, AddPermission and RemovePermission, as a client can chain them.
// One service (in memory, manual clock) serves every input; each input's queue is deleted at the
// end, so inputs do not see each other's queues.
//
// Input: one selector byte (bits 0-1: which attribute, bit 2: FIFO queue, bit 3: set through
// SetQueueAttributes rather than CreateQueue), then the attribute's value.

#include "fogbank/dispatch/client.hpp"
#include "fogbank/main/emulator.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

namespace {

using namespace fogbank;
using json = nlohmann::json;

constexpr std::array<std::string_view, 4> attribute_names{"RedrivePolicy", "Policy", "RedriveAllowPolicy",
                                                          "RedrivePolicy"};

struct harness {
  harness() {
    emulator_options options;
    options.manual_clock = true;
    options.seed = 7;
    std::string error;
    emulator = emulator::open(options, &error);
    if (!emulator) {
      std::fprintf(stderr, "cannot open an emulator in memory: %s\n", error.c_str());
      std::abort();
    }
    // Dead-letter targets the seeds' RedrivePolicies name.
    call("CreateQueue", {{"QueueName", "dlq"}});
    call("CreateQueue", {{"QueueName", "dlq.fifo"}, {"Attributes", {{"FifoQueue", "true"}}}});
  }

  // An error is what bad input must get, but not one that is the server's fault or that leaks
  // the JSON library's own text to the client. (Messages quote the client's value, so the
  // library's marker counts only when the request did not carry it itself.)
  core::call_result call(std::string_view operation, const json& request) {
    core::call_result result = emulator->client().call("sqs", operation, request);
    const auto leaks_library_text = [&] {
      constexpr std::string_view marker = "json.exception";
      return result.error->message().find(marker) != std::string::npos &&
             request.dump(-1, ' ', false, json::error_handler_t::replace).find(marker) == std::string::npos;
    };
    if (result.error &&
        (result.error->code() == core::error_code::internal_failure || leaks_library_text())) {
      std::fprintf(stderr, "%.*s answered %.*s: %s\n", static_cast<int>(operation.size()), operation.data(),
                   static_cast<int>(result.error->name().size()), result.error->name().data(),
                   result.error->message().c_str());
      std::abort();
    }
    return result;
  }

  std::unique_ptr<fogbank::emulator> emulator;
  std::uint64_t next_queue = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static harness h;
  if (size == 0) return 0;
  const std::uint8_t selector = data[0];
  const std::string value(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string attribute(attribute_names[selector & 3]);
  const bool fifo = (selector & 4) != 0;
  const bool through_set = (selector & 8) != 0;

  const std::string name = "q" + std::to_string(h.next_queue++) + (fifo ? ".fifo" : "");
  json create{{"QueueName", name}};
  if (fifo) create["Attributes"]["FifoQueue"] = "true";
  if (!through_set) create["Attributes"][attribute] = value;
  core::call_result created = h.call("CreateQueue", create);
  if (created.error) return 0;
  const std::string url = created.body.value("QueueUrl", "");
  if (through_set) h.call("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{attribute, value}}}});

  h.call("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", {"All"}}});
  const json permission{{"QueueUrl", url},
                        {"Label", "fuzz"},
                        {"AWSAccountIds", {"000000000000"}},
                        {"Actions", {"SendMessage"}}};
  h.call("AddPermission", permission);
  h.call("AddPermission", permission);  // the label now exists
  h.call("RemovePermission", {{"QueueUrl", url}, {"Label", "fuzz"}});
  h.call("RemovePermission", {{"QueueUrl", url}, {"Label", "fuzz"}});  // and now it does not
  h.call("DeleteQueue", {{"QueueUrl", url}});
  return 0;
}
