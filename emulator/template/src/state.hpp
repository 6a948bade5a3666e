#pragma once
// What earlier loads of a stack created, kept in the data directory: each resource's type,
// physical id and the properties it was last given (and the create request they made). A later
// load (after a restart on the same data) keeps the names, so it finds what it created instead
// of making new resources, and compares properties to know what changed.
//
// On disk: the record `<state_dir>/templates/<stack>.json`, rewritten whole (aside, then renamed
// over) once per load, and beside it a journal `<stack>.journal` with one line per resource
// recorded since, appended as each resource is made. A kill at any point leaves the record whole
// and the journal's complete lines; a torn last line is the resource whose line was being
// written, which a later load finds and records again. The record carries a generation number
// and the journal's first line the generation it extends, so a journal left behind by a kill
// between a rewrite and the journal's removal is recognised as already folded in.
//
// Neither file is fsynced (nor was the record before the journal): the guarantee is against the
// process being killed, which leaves written data in the page cache, not against losing power.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace fogbank::templates {

struct recorded_resource {
  std::string type;
  std::string physical_id;
  nlohmann::json properties = nlohmann::json::object();  // resolved, as the template gave them
  nlohmann::json request = nlohmann::json::object();     // the create request they made

  bool operator==(const recorded_resource&) const = default;
};

class stack_state {
 public:
  stack_state() = default;
  // The record of `stack` under `state_dir` and the complete lines of its journal; empty when
  // there is none or `state_dir` is empty. Throws template_error for a record or a complete
  // journal line that cannot be read or parsed.
  static stack_state load(const std::filesystem::path& state_dir, const std::string& stack);

  const recorded_resource* find(const std::string& logical_id) const;
  const std::map<std::string, recorded_resource>& resources() const { return resources_; }
  std::vector<std::string> logical_ids() const;

  // Change the record in memory only; `append` or `save` writes it. `put` returns false when
  // the record of `logical_id` was already `resource` (nothing to write).
  bool put(const std::string& logical_id, recorded_resource resource);
  void erase(const std::string& logical_id);

  // Appends the current record of `logical_id` (which must be put) to the journal: one write.
  // No-op without a state directory. Throws template_error on failure.
  void append(const std::string& logical_id);

  // Writes the record whole, under a new generation, and removes the journal (no-op without a
  // state directory, or when nothing changed since the record was read and there is no journal
  // to fold in). Throws template_error on failure.
  void save();

  // Makes the record hold what `earlier` held (a copy of this state taken before), written whole.
  void restore(const stack_state& earlier);

 private:
  struct journal;  // the open journal, shared by copies so that one is open at a time

  std::filesystem::path file_;
  std::filesystem::path journal_file_;
  std::map<std::string, recorded_resource> resources_;
  std::uint64_t generation_ = 0;
  bool changed_ = false;  // since the record was read or written whole
  // Bytes of the journal on disk that belong to this generation (header and complete lines);
  // 0 when there is none, and the next append starts it afresh.
  std::size_t journal_length_ = 0;
  std::shared_ptr<journal> journal_;
};

}  // namespace fogbank::templates
