#include "state.hpp"

#include "fogbank/core/json_limits.hpp"
#include "fogbank/template/loader.hpp"
#include "source.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>

namespace fogbank::templates {
namespace {

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& reason) {
  throw template_error(file.string(), 0, "", "", reason);
}

// Written from resolved templates, so nested no deeper than they are (plus the line's own level).
constexpr int max_record_depth = 2 * max_template_depth + 1;

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) fail(file, "cannot read the record of what earlier loads created");
  return text.str();
}

// A recorded resource from its JSON, or nullopt when it lacks a type or physical id.
std::optional<recorded_resource> resource_of(const nlohmann::json& entry) {
  if (!entry.is_object() || !entry.contains("type") || !entry["type"].is_string() ||
      !entry.contains("physical_id") || !entry["physical_id"].is_string()) {
    return std::nullopt;
  }
  return recorded_resource{entry["type"].get<std::string>(), entry["physical_id"].get<std::string>(),
                           entry.value("properties", nlohmann::json::object()),
                           entry.value("request", nlohmann::json::object())};
}

nlohmann::json json_of(const recorded_resource& r) {
  return {
      {"type", r.type}, {"physical_id", r.physical_id}, {"properties", r.properties}, {"request", r.request}};
}

void write_all(int fd, const std::string& bytes, std::size_t offset, const std::filesystem::path& file) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n =
        ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      fail(file, std::string("cannot write the record of what this load created: ") + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

struct stack_state::journal {
  int fd = -1;
  explicit journal(int f) : fd(f) {}
  ~journal() {
    if (fd >= 0) ::close(fd);
  }
  journal(const journal&) = delete;
  journal& operator=(const journal&) = delete;
};

stack_state stack_state::load(const std::filesystem::path& state_dir, const std::string& stack) {
  stack_state state;
  if (state_dir.empty()) return state;
  state.file_ = state_dir / "templates" / (stack + ".json");
  state.journal_file_ = state_dir / "templates" / (stack + ".journal");
  std::error_code ec;
  if (std::filesystem::exists(state.file_, ec)) {
    const auto parsed = core::parse_json_within(read_file(state.file_), max_record_depth);
    if (!parsed || !parsed->is_object() || !parsed->contains("resources") ||
        !(*parsed)["resources"].is_object()) {
      fail(state.file_, "the record of what earlier loads created is damaged; remove it to start afresh");
    }
    // Records written before the journal have no generation: 0, as a journal of theirs would be.
    const auto generation = parsed->find("generation");
    if (generation != parsed->end() && generation->is_number_unsigned()) {
      state.generation_ = generation->get<std::uint64_t>();
    }
    for (const auto& [logical_id, entry] : (*parsed)["resources"].items()) {
      auto resource = resource_of(entry);
      if (!resource)
        fail(state.file_, "the record of " + logical_id + " is damaged; remove the file to start afresh");
      state.resources_[logical_id] = std::move(*resource);
    }
  }
  if (!std::filesystem::exists(state.journal_file_, ec)) return state;
  const std::string text = read_file(state.journal_file_);
  const auto damaged = [&] {
    fail(state.journal_file_, "the journal of what earlier loads created is damaged; remove it and " +
                                  state.file_.filename().string() + " to start afresh");
  };
  // Only complete lines count: a kill mid-append leaves a last line without its newline.
  std::size_t begin = 0;
  for (std::size_t end = text.find('\n'); end != std::string::npos;
       begin = end + 1, end = text.find('\n', begin)) {
    const auto line = core::parse_json_within(text.substr(begin, end - begin), max_record_depth);
    if (!line || !line->is_object()) damaged();
    if (begin == 0) {
      const auto generation = line->find("generation");
      if (generation == line->end() || !generation->is_number_unsigned()) damaged();
      // A journal of an earlier generation was folded into the record before a kill removed it.
      if (generation->get<std::uint64_t>() != state.generation_) return state;
      continue;
    }
    const auto logical_id = line->find("logical_id");
    auto resource = resource_of(*line);
    if (logical_id == line->end() || !logical_id->is_string() || !resource) damaged();
    state.resources_[logical_id->get<std::string>()] = std::move(*resource);
    // What the journal holds is not in the record yet: the next save folds it in.
    state.changed_ = true;
  }
  state.journal_length_ = begin;
  return state;
}

const recorded_resource* stack_state::find(const std::string& logical_id) const {
  const auto it = resources_.find(logical_id);
  return it == resources_.end() ? nullptr : &it->second;
}

std::vector<std::string> stack_state::logical_ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, resource] : resources_) ids.push_back(id);
  return ids;
}

bool stack_state::put(const std::string& logical_id, recorded_resource resource) {
  const auto [it, inserted] = resources_.try_emplace(logical_id, resource);
  if (!inserted) {
    if (it->second == resource) return false;
    it->second = std::move(resource);
  }
  changed_ = true;
  return true;
}

void stack_state::erase(const std::string& logical_id) {
  if (resources_.erase(logical_id) > 0) changed_ = true;
}

void stack_state::append(const std::string& logical_id) {
  if (file_.empty()) return;
  const recorded_resource* resource = find(logical_id);
  if (resource == nullptr) return;
  std::string line;
  if (!journal_) {
    std::error_code ec;
    std::filesystem::create_directories(journal_file_.parent_path(), ec);
    if (ec)
      fail(journal_file_, "cannot create " + journal_file_.parent_path().string() + ": " + ec.message());
    const int fd = ::open(journal_file_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) fail(journal_file_, std::string("cannot open the journal: ") + std::strerror(errno));
    journal_ = std::make_shared<journal>(fd);
    // Drops a torn last line, or a journal of an earlier generation, before writing after it.
    if (::ftruncate(fd, static_cast<off_t>(journal_length_)) != 0)
      fail(journal_file_, std::string("cannot write the journal: ") + std::strerror(errno));
    if (journal_length_ == 0) line = nlohmann::json{{"generation", generation_}}.dump() + "\n";
  }
  nlohmann::json entry = json_of(*resource);
  entry["logical_id"] = logical_id;
  // dump() without indentation escapes every newline inside strings: one line per resource.
  line += entry.dump() + "\n";
  write_all(journal_->fd, line, journal_length_, journal_file_);
  journal_length_ += line.size();
}

void stack_state::save() {
  if (file_.empty() || (!changed_ && journal_length_ == 0)) return;
  nlohmann::json resources = nlohmann::json::object();
  for (const auto& [id, r] : resources_) resources[id] = json_of(r);
  const nlohmann::json document = {{"generation", generation_ + 1}, {"resources", resources}};
  std::error_code ec;
  std::filesystem::create_directories(file_.parent_path(), ec);
  if (ec) fail(file_, "cannot create " + file_.parent_path().string() + ": " + ec.message());
  // Written aside and renamed over the old record: a kill mid-write leaves the old one whole.
  const std::filesystem::path temporary = file_.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << document.dump(2) << "\n";
    out.flush();
    if (!out) fail(temporary, "cannot write the record of what this load created");
  }
  std::filesystem::rename(temporary, file_, ec);
  if (ec) fail(file_, "cannot write the record of what this load created: " + ec.message());
  ++generation_;
  changed_ = false;
  // The new generation makes the journal stale even if a kill comes before it is removed.
  journal_.reset();
  journal_length_ = 0;
  std::filesystem::remove(journal_file_, ec);
}

void stack_state::restore(const stack_state& earlier) {
  resources_ = earlier.resources_;
  changed_ = true;
  save();
}

}  // namespace fogbank::templates
