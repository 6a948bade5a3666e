#include "fogbank/scenario/journal.hpp"

#include "transcript.hpp"

#include <utility>

namespace fogbank::scenario {
namespace {

class journal_host final : public lambda::runtime_host {
 public:
  journal_host(std::shared_ptr<lambda::runtime_host> inner, std::shared_ptr<invocation_journal> journal)
      : inner_(std::move(inner)), journal_(std::move(journal)) {}

  bool runs(const lambda::function_config& config) const override { return inner_->runs(config); }

  void invoke(const lambda::function_config& config, lambda::invocation call,
              std::function<void(lambda::invocation_outcome)> done) override {
    std::string event = call.payload;
    inner_->invoke(config, std::move(call),
                   [journal = journal_, name = config.name, event = std::move(event),
                    done = std::move(done)](lambda::invocation_outcome outcome) mutable {
                     journal->record(name, std::move(event), outcome_name(outcome.kind), outcome.payload);
                     done(std::move(outcome));
                   });
  }

  void retire(std::string_view function_name) override { inner_->retire(function_name); }

 private:
  std::shared_ptr<lambda::runtime_host> inner_;
  std::shared_ptr<invocation_journal> journal_;
};

}  // namespace

std::shared_ptr<lambda::runtime_host> invocation_journal::wrap(std::shared_ptr<lambda::runtime_host> host) {
  return std::make_shared<journal_host>(std::move(host), shared_from_this());
}

void invocation_journal::record(std::string function, std::string event, std::string outcome,
                                std::string result) {
  std::lock_guard lock(mutex_);
  entry e{total_++, std::move(function), std::move(event), std::move(outcome), std::move(result)};
  bytes_ += e.event.size() + e.result.size();
  entries_.push_back(std::move(e));
  while (!entries_.empty() && (entries_.size() > max_entries || bytes_ > max_bytes)) {
    bytes_ -= entries_.front().event.size() + entries_.front().result.size();
    entries_.pop_front();
  }
}

nlohmann::json invocation_journal::snapshot() const {
  std::lock_guard lock(mutex_);
  nlohmann::json list = nlohmann::json::array();
  for (const entry& e : entries_) {
    list.push_back({{"index", e.index},
                    {"function", e.function},
                    {"event", payload_value(e.event)},
                    {"outcome", e.outcome},
                    {"result", payload_value(e.result)}});
  }
  return {{"total", total_}, {"invocations", std::move(list)}};
}

}  // namespace fogbank::scenario
