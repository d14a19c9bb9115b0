// OpenAPI: the OpenAPI 3.1 description of the routes, served at
// /api/v1/openapi.json. Made at run time from the Router (which routes and
// methods exist, their path parameters and which need an admin) and the
// loaded sheet templates (each sheet's fields as JSON Schema, the job
// request that carries them); the words for each route (summary, query
// parameters, request body, answers) are written by hand in openapi.cpp,
// one entry per route. describedRoutes() lists those entries so a test can
// check both ways that the table and the router agree. Pure functions;
// thread-safe.
#pragma once

#include <Poco/JSON/Object.h>

#include <string>
#include <utility>
#include <vector>

#include "form/sheet_template.h"
#include "form/template_registry.h"
#include "http/router.h"

namespace http {

// The document: every route of the router. A route without a hand-written
// entry is still listed, with the summary "(undescribed)" (the test fails on it).
Poco::JSON::Object::Ptr openApiDocument(const Router& router, const form::TemplateRegistry& templates);

// The (method, pattern) pairs openapi.cpp describes.
std::vector<std::pair<std::string, std::string>> describedRoutes();

// One sheet's fields as a JSON Schema (2020-12) object: each field with its
// type, options, lengths, digits and range; required fields listed; derived
// fields left out (the server computes them); no other keys allowed.
Poco::JSON::Object::Ptr fieldsSchema(const form::SheetTemplate& sheet);

// Adds GET /api/v1/openapi.json to the router. The router and templates must
// outlive it; the document is made from the router as it is when asked.
void registerOpenApiRoute(Router& router, const form::TemplateRegistry& templates);

}  // namespace http
