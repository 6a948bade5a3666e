#pragma once
// DynamoDB's reserved words: names that may not appear bare in an expression.

#include <string_view>

namespace fogbank::dynamodb {

// True if `word` is one of DynamoDB's reserved words, compared case-insensitively.
bool is_reserved_word(std::string_view word);

}  // namespace fogbank::dynamodb
