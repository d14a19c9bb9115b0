// The one place where a Status becomes an HTTP answer: RFC 9457 problem
// details (application/problem+json) with a stable code, the request id and
// every field error. Also small helpers to answer JSON. Thread-safe.
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <string>

#include "common/status.h"

namespace http {

// A fresh request id (12 hex digits) for the log, X-Request-Id and problem documents.
std::string newRequestId();

// HTTP status for a Status code: InvalidArgument 422, NotFound 404,
// Conflict 409, Unavailable and StorageFull 503 (with Retry-After; the code
// "storage_full" says the disk is full), TooLarge 413, anything else 500.
int httpStatusOf(const common::Status& status);

// Sends a problem document with the status and its reason phrase
// ("422 Unprocessable Entity"). `code` overrides the stable code (default: the
// Status code name); for 500 the message is replaced by a generic one so no
// internal detail leaks.
void sendProblem(Poco::Net::HTTPServerResponse& response, int httpStatus, const std::string& code,
                 const std::string& title, const std::string& requestId,
                 const std::vector<common::FieldError>& errors = {}, const std::string& jobId = "");
// Sends the problem document for a failed Status (see httpStatusOf): its
// code is `code` when given, else the Status's reason (e.g.
// "duplicate_submission"), else its code name; a Status that names a job adds
// it as the member "jobId". A 5xx is
// logged (renkei.http) with the request id and the Status, which the client
// does not see.
void sendStatus(Poco::Net::HTTPServerResponse& response, const common::Status& status, const std::string& requestId,
                const std::string& code = "");

void sendJson(Poco::Net::HTTPServerResponse& response, int httpStatus, const Poco::JSON::Object::Ptr& body);
void sendJson(Poco::Net::HTTPServerResponse& response, int httpStatus, const Poco::JSON::Array::Ptr& body);
void sendBytes(Poco::Net::HTTPServerResponse& response, int httpStatus, const std::string& contentType,
               const std::string& bytes, const std::string& asciiName = "", const std::string& utf8Name = "");

}  // namespace http
