#pragma once
// The load_error a scenario's text raises, for the loader's tests.

#include "model.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fogbank::scenario {

// The load_error of `text`, or a test failure if it loads.
inline load_error error_of(const std::string& text) {
  try {
    (void)load_text(text, "s.yaml");
  } catch (const load_error& e) {
    return e;
  }
  ADD_FAILURE() << "loaded without an error:\n" << text;
  return load_error({}, "");
}

}  // namespace fogbank::scenario
