#pragma once
// Outputs that name an API's invoke URL on AWS: stacks commonly export
// `https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/`, which does not
// reach fogbank. The load's notes give the local URL beside it.

#include <optional>
#include <string>
#include <string_view>

namespace fogbank::templates {

// For `value` of the form "https://<api-id>.execute-api.<region>.amazonaws.com[.cn]/<rest>",
// "<endpoint>/rest/<api-id>/<rest>" (a REST API's local invoke URL; `endpoint` empty means
// "http://localhost:4566"). nullopt for any other value.
std::optional<std::string> local_invoke_url(std::string_view value, std::string_view endpoint);

// For a `value` that is not such a URL but contains one or more (a try-it line such as
// "curl -H '...' https://<api-id>.execute-api.../Prod/items"), the value with each of them made
// local as above; a URL ends at whitespace or a quote. nullopt if there is none.
std::optional<std::string> local_command(std::string_view value, std::string_view endpoint);

}  // namespace fogbank::templates
