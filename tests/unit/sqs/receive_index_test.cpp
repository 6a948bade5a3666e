// A receive takes its messages from the queue's receive indexes (message_index.cpp) rather than
// by walking the queue. These tests drive standard and FIFO queues, with and without a
// RedrivePolicy, through a long seeded sequence of sends (delayed ones too), receives with
// various visibility timeouts, deletes, visibility changes and clock moves, and check every
// receive against a model of the walk the service did before: the visible messages in arrival
// order; in a FIFO queue, skipping every group with a message in flight and stopping each group
// at its first hidden message; a message that would exceed maxReceiveCount moved to the
// dead-letter queue instead (and, in a FIFO queue, its group done for that receive).

#include "sqs_fixture.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace fogbank::sqs {
namespace {

struct modelled {
  std::string id;
  std::string group;
  std::int64_t visible_at = 0;
  std::int64_t receive_count = 0;
  std::string handle;  // the newest receipt handle
};

class ReceiveIndexTest : public sqs_test {
 protected:
  // Runs the sequence on a new queue; `fifo` and `redrive` choose its kind.
  void run(bool fifo, bool redrive, unsigned seed) {
    json attributes = json::object();
    std::string name = "q";
    std::string dlq_name = "dlq";
    if (fifo) {
      name += ".fifo";
      dlq_name += ".fifo";
      attributes["FifoQueue"] = "true";
    }
    if (redrive) {
      const std::string dlq = create(dlq_name, fifo ? json{{"FifoQueue", "true"}} : json::object());
      const std::string arn = attribute(dlq, "QueueArn");
      attributes["RedrivePolicy"] =
          json{{"deadLetterTargetArn", arn}, {"maxReceiveCount", max_receive}}.dump();
      dlq_url_ = dlq;
    }
    url_ = create(name, attributes);
    fifo_ = fifo;
    redrive_ = redrive;

    std::mt19937 random(seed);
    const auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
    for (int step = 0; step < steps; ++step) {
      SCOPED_TRACE("step " + std::to_string(step));
      const int what = pick(10);
      if (what < 4) {
        send_one(pick(4), pick(5) == 0 ? 1 + pick(2) : 0);
      } else if (what < 7) {
        receive_and_check(1 + pick(10), pick(4));
      } else if (what < 8) {
        delete_some(random);
      } else if (what < 9) {
        change_visibility_some(random);
      } else {
        advance(std::chrono::milliseconds(500 * (1 + pick(3))));
      }
      if (HasFatalFailure()) return;
    }
    if (redrive) {
      EXPECT_EQ(attribute(dlq_url_, "ApproximateNumberOfMessages"), std::to_string(moved_))
          << "messages in the dead-letter queue";
    }
    EXPECT_GT(received_, steps / 10) << "the sequence received too little to test anything";
  }

  std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(emulator_->clock().now().time_since_epoch())
        .count();
  }

  void send_one(int group, int delay_seconds) {
    json extra = json::object();
    if (fifo_) {
      extra["MessageGroupId"] = "g" + std::to_string(group);
      extra["MessageDeduplicationId"] = "d" + std::to_string(sent_);
    } else if (delay_seconds > 0) {
      extra["DelaySeconds"] = delay_seconds;
    }
    const json sent = send(url_, "body " + std::to_string(sent_++), extra);
    modelled m;
    m.id = sent.value("MessageId", "");
    m.group = fifo_ ? "g" + std::to_string(group) : "";
    m.visible_at = now_ms() + (fifo_ ? 0 : delay_seconds * 1000);
    queue_.emplace(next_seq_++, m);
  }

  // The model of the old walk: which messages a receive of `max` returns, in order, and what it
  // does to the model.
  std::vector<std::string> model_receive(std::size_t max, int timeout) {
    const std::int64_t now = now_ms();
    std::vector<std::uint64_t> candidates;
    std::set<std::string> blocked;
    if (fifo_) {
      for (const auto& [seq, m] : queue_)
        if (m.receive_count > 0 && m.visible_at > now) blocked.insert(m.group);
    }
    for (const auto& [seq, m] : queue_) {
      if (fifo_ && blocked.count(m.group)) continue;
      if (m.visible_at > now) {
        if (fifo_) blocked.insert(m.group);
        continue;
      }
      candidates.push_back(seq);
    }
    std::vector<std::string> out;
    std::set<std::string> moved_groups;
    for (const std::uint64_t seq : candidates) {
      if (out.size() >= max) break;
      modelled& m = queue_.at(seq);
      if (fifo_ && moved_groups.count(m.group)) continue;
      if (redrive_ && m.receive_count >= max_receive) {
        if (fifo_) moved_groups.insert(m.group);
        queue_.erase(seq);
        ++moved_;
        continue;
      }
      ++m.receive_count;
      m.visible_at = now + timeout * 1000;
      out.push_back(m.id);
    }
    return out;
  }

  void receive_and_check(int max, int timeout) {
    const std::vector<std::string> expected = model_receive(static_cast<std::size_t>(max), timeout);
    const json messages = receive(url_, {{"MaxNumberOfMessages", max}, {"VisibilityTimeout", timeout}});
    std::vector<std::string> actual;
    for (const auto& m : messages) {
      actual.push_back(m.value("MessageId", ""));
      for (auto& [seq, model] : queue_)
        if (model.id == actual.back()) model.handle = m.value("ReceiptHandle", "");
    }
    ASSERT_EQ(actual, expected) << "receive of " << max << " with VisibilityTimeout " << timeout;
    received_ += actual.size();
  }

  // Messages in flight with their newest handle (what a FIFO queue accepts).
  std::vector<std::uint64_t> in_flight() {
    const std::int64_t now = now_ms();
    std::vector<std::uint64_t> out;
    for (const auto& [seq, m] : queue_)
      if (m.receive_count > 0 && m.visible_at > now && !m.handle.empty()) out.push_back(seq);
    return out;
  }

  void delete_some(std::mt19937& random) {
    for (const std::uint64_t seq : in_flight()) {
      if (random() % 2 != 0) continue;
      ok("DeleteMessage", {{"QueueUrl", url_}, {"ReceiptHandle", queue_.at(seq).handle}});
      queue_.erase(seq);
    }
  }

  void change_visibility_some(std::mt19937& random) {
    for (const std::uint64_t seq : in_flight()) {
      if (random() % 3 != 0) continue;
      const int timeout = static_cast<int>(random() % 3);
      ok("ChangeMessageVisibility",
         {{"QueueUrl", url_}, {"ReceiptHandle", queue_.at(seq).handle}, {"VisibilityTimeout", timeout}});
      queue_.at(seq).visible_at = now_ms() + timeout * 1000;
    }
  }

  static constexpr int steps = 1500;
  static constexpr std::int64_t max_receive = 3;
  std::string url_;
  std::string dlq_url_;
  bool fifo_ = false;
  bool redrive_ = false;
  std::map<std::uint64_t, modelled> queue_;  // by arrival
  std::uint64_t next_seq_ = 1;
  std::int64_t sent_ = 0;
  std::int64_t moved_ = 0;
  std::size_t received_ = 0;
};

TEST_F(ReceiveIndexTest, StandardQueueReceivesAsTheWalkDid) {
  run(false, false, 1);
}

TEST_F(ReceiveIndexTest, StandardQueueWithRedriveReceivesAsTheWalkDid) {
  run(false, true, 2);
}

TEST_F(ReceiveIndexTest, FifoQueueReceivesAsTheWalkDid) {
  run(true, false, 3);
}

TEST_F(ReceiveIndexTest, FifoQueueWithRedriveReceivesAsTheWalkDid) {
  run(true, true, 4);
}

}  // namespace
}  // namespace fogbank::sqs
