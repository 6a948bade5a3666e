#pragma once
// Reading a command's arguments, shared by `fogbank serve`, `run` and `bench` so that an option
// spelled the same means and checks the same in each: "--name VALUE" and "--name=VALUE" alike,
// and unsigned numbers with their range named in the error.
//
// Thread-safety: none needed (one parse on one thread).

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::core {

// Bad usage: the command prints what() and exits 2.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `text` as a number from `min` to `max`. usage_error naming `option`: "--x: expected a number,
// got 'y'" (not only digits: no sign, no spaces), "--x: N is out of range (MIN to MAX)" (or
// "(at most MAX)" when `min` is 0).
std::uint64_t parse_unsigned(std::string_view option, std::string_view text, std::uint64_t min,
                             std::uint64_t max);

// Invocations of one Lambda function that may run at once when it has no reserved concurrency:
// `--lambda-concurrency` of `serve` and `bench`. At most Lambda's default account concurrency,
// 1,000 per Region (AWS Lambda Developer Guide, "Lambda quotas": "Concurrent executions | 1000",
// awsdocs/aws-lambda-developer-guide doc_source/limits.md); fogbank applies it per function.
constexpr std::uint64_t max_lambda_concurrency = 1000;
// 10, and not AWS's 1,000: each Node.js or Python invocation at once is a worker process, and a
// laptop's cores start ten far sooner than a hundred (bench/README.md, "fogbank bench profiles").
constexpr int default_lambda_concurrency = 10;

// Walks a command's arguments in order:
//   for (arg_reader args(list); args.next();)
//     if (args.name() == "--port") port = args.number(0, 65535); ...
class arg_reader {
 public:
  explicit arg_reader(const std::vector<std::string_view>& args) : args_(args) {}

  // Moves to the next argument; false once past the last.
  bool next();
  // The argument without "=VALUE" when it starts with "--" (what to compare with option names).
  std::string_view name() const noexcept { return name_; }
  // The argument as given (before any value() consumed the next one).
  std::string_view given() const noexcept { return given_; }
  // The option's value: after '=', else the next argument (which is then consumed).
  // usage_error "--x needs a value" when there is none.
  std::string_view value();
  // value() as a number (parse_unsigned).
  std::uint64_t number(std::uint64_t min, std::uint64_t max) {
    return parse_unsigned(name_, value(), min, max);
  }
  // usage_error "--x takes no value" when the argument was "--x=VALUE".
  void no_value() const;

 private:
  const std::vector<std::string_view>& args_;
  std::size_t index_ = 0;
  bool started_ = false;
  std::string_view given_;
  std::string_view name_;
  std::string_view inline_value_;
  bool has_inline_value_ = false;
};

}  // namespace fogbank::core
