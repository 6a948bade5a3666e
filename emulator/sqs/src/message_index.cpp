// A queue's receive indexes (queue::hidden, ready, groups, ready_groups): which messages a
// receive may take, kept as messages arrive, are received, change visibility and leave, so
// that a receive visits only what it takes (and the messages it moves to a dead-letter queue)
// however many messages the queue holds. Before, a FIFO queue or one with a RedrivePolicy was
// walked whole on every receive (bench/README.md, "Receive cost against the backlog").

#include "service_impl.hpp"

namespace fogbank::sqs {
namespace {

// Lists or unlists the group in ready_groups as its state now says: a FIFO receive may take
// from a group with no message in flight whose oldest message is visible (a delayed oldest
// message holds the group back, as in flight does).
void refresh_group(queue& q, const std::string& group_id) {
  auto it = q.groups.find(group_id);
  if (it == q.groups.end()) return;
  queue::group_state& group = it->second;
  std::uint64_t head = 0;
  if (!group.seqs.empty() && group.in_flight == 0) {
    const std::uint64_t first = *group.seqs.begin();
    if (!q.messages.at(first).indexed_hidden) head = first;
  }
  if (head != group.listed_head) {
    if (group.listed_head != 0) q.ready_groups.erase({group.listed_head, group_id});
    if (head != 0) q.ready_groups.emplace(head, group_id);
    group.listed_head = head;
  }
  if (group.seqs.empty()) q.groups.erase(it);
}

}  // namespace

void index_message(queue& q, message& m, std::int64_t now_ms) {
  m.indexed = true;
  m.indexed_hidden = !m.visible(now_ms);
  m.indexed_in_flight = m.indexed_hidden && m.receive_count > 0;
  m.indexed_visible_at = m.visible_at_ms;
  // New messages come last in every index (the highest seq; the latest visible_at, when all
  // have the same delay): the end as the hint saves the search from the root, and a wrong hint
  // (a message back from in flight) costs only the search it would have done anyway.
  if (m.indexed_hidden) q.hidden.emplace_hint(q.hidden.end(), m.visible_at_ms, m.seq);
  if (!q.fifo) {
    if (!m.indexed_hidden) q.ready.insert(q.ready.end(), m.seq);
    return;
  }
  queue::group_state& group = q.groups[m.group_id];
  group.seqs.insert(group.seqs.end(), m.seq);
  if (m.indexed_in_flight) ++group.in_flight;
  refresh_group(q, m.group_id);
}

void unindex_message(queue& q, message& m) {
  if (!m.indexed) return;
  m.indexed = false;
  if (m.indexed_hidden) q.hidden.erase({m.indexed_visible_at, m.seq});
  if (!q.fifo) {
    q.ready.erase(m.seq);
    return;
  }
  auto it = q.groups.find(m.group_id);
  if (it == q.groups.end()) return;
  it->second.seqs.erase(m.seq);
  if (m.indexed_in_flight) --it->second.in_flight;
  refresh_group(q, m.group_id);
}

void reindex_message(queue& q, message& m, std::int64_t now_ms) {
  unindex_message(q, m);
  index_message(q, m, now_ms);
}

void promote_visible(queue& q, std::int64_t now_ms) {
  while (!q.hidden.empty() && q.hidden.begin()->first <= now_ms) {
    const std::uint64_t seq = q.hidden.begin()->second;
    reindex_message(q, q.messages.at(seq), now_ms);
  }
}

void clear_index(queue& q) {
  q.hidden.clear();
  q.ready.clear();
  q.groups.clear();
  q.ready_groups.clear();
  for (auto& [seq, m] : q.messages) m.indexed = false;
}

}  // namespace fogbank::sqs
