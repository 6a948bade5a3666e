#pragma once
// Helpers for the template tests: templates from text, their plans, the error a template gives,
// a recording stand-in for the services, and temporary folders.

#include "execute.hpp"
#include "fogbank/template/loader.hpp"
#include "plan.hpp"
#include "resource_type.hpp"
#include "sam.hpp"
#include "source.hpp"
#include "stack.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace fogbank::templates::testing {

// The line that makes a template a SAM template.
inline const std::string sam_header = "Transform: AWS::Serverless-2016-10-31\n";

using nlohmann::json;

// A template read from text, SAM applied, with its model.
struct read_text {
  template_source source;
  stack_model model;
  std::vector<recorded_event> events;

  explicit read_text(const std::string& text, const std::filesystem::path& file = "t.yaml")
      : source(parse_source(text, file)) {
    if (uses_sam(source)) apply_sam(source, &events);
    model = read_model(source);
  }
};

inline stack_plan plan_text(const read_text& t, plan_options options = {}, const stack_state& recorded = {}) {
  if (options.stack_name.empty()) options.stack_name = "app";
  return make_plan(t.source, t.model, t.events, options, recorded);
}

inline stack_plan plan_text(const std::string& text, plan_options options = {}) {
  const read_text t(text);
  return plan_text(t, std::move(options));
}

// The template_error `run` throws; fails the test when it throws none.
inline template_error error_of(const std::function<void()>& run) {
  try {
    run();
  } catch (const template_error& e) {
    return e;
  }
  ADD_FAILURE() << "expected a template_error, none was thrown";
  return template_error("", 0, "", "", "(none)");
}

// The error of reading and planning `text` (file t.yaml).
inline template_error plan_error(const std::string& text, plan_options options = {}) {
  return error_of([&] { plan_text(text, std::move(options)); });
}

inline const planned_resource& resource(const stack_plan& plan, const std::string& logical_id) {
  for (const planned_resource& r : plan.resources) {
    if (r.logical_id == logical_id) return r;
  }
  ADD_FAILURE() << "no planned resource " << logical_id;
  static const planned_resource none;
  return none;
}

inline std::vector<std::string> order_of(const stack_plan& plan) {
  std::vector<std::string> ids;
  for (const planned_resource& r : plan.resources) ids.push_back(r.logical_id);
  return ids;
}

// Stands in for the services: records every call and answers with `respond` (an empty object
// when it returns nullopt).
struct recording_runner final : call_runner {
  struct call_record {
    std::string service;
    std::string operation;
    json request;
  };
  std::vector<call_record> calls;
  std::function<std::optional<core::call_result>(const std::string& operation, const json& request)> respond;

  core::call_result call(const std::string& service, const std::string& operation,
                         const json& request) override {
    calls.push_back({service, operation, request});
    if (respond) {
      if (auto answer = respond(operation, request)) return std::move(*answer);
    }
    return {};
  }

  std::vector<std::string> operations() const {
    std::vector<std::string> out;
    for (const call_record& c : calls) out.push_back(c.operation);
    return out;
  }
  const call_record* find(const std::string& operation) const {
    for (const call_record& c : calls) {
      if (c.operation == operation) return &c;
    }
    return nullptr;
  }
};

inline core::call_result answer(json body) {
  core::call_result r;
  r.body = std::move(body);
  return r;
}

inline core::call_result failure(core::error_code code, const std::string& message) {
  core::call_result r;
  r.error.emplace(code, message);
  return r;
}

// A folder removed at the end of the test.
class temp_dir {
 public:
  temp_dir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("fogbank-template-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    std::filesystem::path file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace fogbank::templates::testing
