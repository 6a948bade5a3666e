#pragma once
// SAM's HTTP APIs: AWS::Serverless::HttpApi resources and the `HttpApi` events of functions, as
// samtranslator turns them into API Gateway resources (model/api/http_api_generator.py,
// model/eventsources/push.py HttpApi). samtranslator writes the routes into an OpenAPI body;
// fogbank writes the same routes as AWS::ApiGatewayV2 resources, which its control plane runs:
//   - AWS::Serverless::HttpApi `X` -> AWS::ApiGatewayV2::Api `X` (ProtocolType HTTP) and its
//     stage, `XApiGatewayDefaultStage` for `$default` (the default) or `X<StageName>Stage`, with
//     AutoDeploy;
//   - an event without ApiId goes to the implicit API `ServerlessHttpApi` (created on first use,
//     with its `$default` stage);
//   - each event `E` of function `F` -> `FEIntegration` (AWS_PROXY, PayloadFormatVersion 2.0 by
//     default), `FERoute` ("METHOD /path", or `$default` without Path and Method) and
//     `FEPermission` (AWS::Lambda::Permission, as SAM adds).
// Not translated (refused with a message): DefinitionBody/DefinitionUri (OpenAPI), Auth, Domain.

#include "sam.hpp"

#include <string>
#include <vector>

namespace fogbank::templates {

// Translates the template's AWS::Serverless::HttpApi resources and the HttpApi events of
// `events` (removed from it once translated) in `source`; new resources are appended to
// `order`. Throws template_error for what it refuses.
void translate_http_apis(template_source& source, std::vector<std::string>& order,
                         std::vector<recorded_event>& events);

}  // namespace fogbank::templates
