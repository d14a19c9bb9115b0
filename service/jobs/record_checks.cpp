#include "jobs/record_checks.h"

#include <Poco/JSON/Handler.h>
#include <Poco/JSON/Parser.h>

#include <optional>

#include "common/ids.h"

namespace jobs {
namespace {

using common::Status;

const char* const kFormats[] = {"pdf", "xlsx", "fax_pdf"};

// Follows the parse without building the value: the store keeps JSON as
// text, so only its shape is checked, and building a large request again
// would cost as much as the request's own parse.
class ShapeHandler : public Poco::JSON::Handler {
public:
    std::optional<JsonKind> top() const { return top_; }

    void reset() override {
        depth_ = 0;
        top_.reset();
    }
    void startObject() override { open(JsonKind::Object); }
    void endObject() override { --depth_; }
    void startArray() override { open(JsonKind::Array); }
    void endArray() override { --depth_; }
    void key(const std::string&) override {}
    void null() override {}
    void value(int) override {}
    void value(unsigned) override {}
    void value(Poco::Int64) override {}
    void value(Poco::UInt64) override {}
    void value(const std::string&) override {}
    void value(double) override {}
    void value(bool) override {}

private:
    void open(JsonKind kind) {
        if (depth_++ == 0) top_ = kind;
    }

    int depth_ = 0;
    std::optional<JsonKind> top_;  // the outermost value, when it is an object or array
};

bool isSha256Hex(const std::string& s) {
    if (s.size() != 64) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

bool isFormat(const std::string& format) {
    for (const char* f : kFormats)
        if (format == f) return true;
    return false;
}

}  // namespace

bool isJson(const std::string& text, JsonKind kind) {
    Poco::SharedPtr<ShapeHandler> shape = new ShapeHandler;
    try {
        Poco::JSON::Parser parser(shape);
        parser.parse(text);
    } catch (const Poco::Exception&) {
        return false;
    }
    return shape->top() == kind;
}

Status checkEvent(const std::string& kind, const std::string& actor, const std::string& detailJson) {
    if (kind.empty()) return Status::invalidArgument("event kind is empty");
    if (actor.empty()) return Status::invalidArgument("event actor is empty");
    if (!isJson(detailJson, JsonKind::Object)) return Status::invalidArgument("event detail is not a JSON object");
    return Status::ok();
}

Status checkDocument(const std::string& jobId, const FrozenDocument& d) {
    if (!isFormat(d.format)) return Status::invalidArgument("unknown document format '" + d.format + "'");
    if (d.bytes.empty()) return Status::invalidArgument("empty " + d.format + " document for job " + jobId);
    return Status::ok();
}

Status checkDocuments(const std::string& jobId, const std::vector<FrozenDocument>& documents) {
    for (const auto& d : documents) {
        Status valid = checkDocument(jobId, d);
        if (!valid) return valid;
    }
    return Status::ok();
}

Status checkChanges(const std::string& jobId, const JobChanges& changes) {
    if (changes.pageCount && *changes.pageCount < 0) return Status::invalidArgument("negative page count");
    if (changes.warningsJson && !isJson(*changes.warningsJson, JsonKind::Array))
        return Status::invalidArgument("warnings are not a JSON array");
    if (changes.deliveryJson && !isJson(*changes.deliveryJson, JsonKind::Object))
        return Status::invalidArgument("delivery is not a JSON object");
    if (changes.receiptJson && !isJson(*changes.receiptJson, JsonKind::Object))
        return Status::invalidArgument("receipt is not a JSON object");
    return checkDocuments(jobId, changes.documents);
}

Status checkNewJob(const Job& job, const std::string& actor, JobState state) {
    if (!common::isValidJobId(job.id)) return Status::invalidArgument("malformed job id '" + job.id + "'");
    if (job.sheetId.empty()) return Status::invalidArgument("job " + job.id + ": empty sheet id");
    if (job.state != state)
        return Status::invalidArgument("job " + job.id + ": a new job here must be " + stateName(state) + ", not " +
                                       stateName(job.state));
    if (!isJson(job.requestJson, JsonKind::Object))
        return Status::invalidArgument("job " + job.id + ": request is not a JSON object");
    if (!isSha256Hex(job.requestHash))
        return Status::invalidArgument("job " + job.id + ": request hash is not lowercase hex SHA-256");
    if (job.idempotencyKey && job.idempotencyKey->empty())
        return Status::invalidArgument("job " + job.id + ": empty idempotency key");
    if (job.patientRef && job.patientRef->empty())
        return Status::invalidArgument("job " + job.id + ": empty patient reference");
    if (job.pageCount < 0 || job.attempt < 0)
        return Status::invalidArgument("job " + job.id + ": negative page count or attempt");
    if (!isJson(job.warningsJson, JsonKind::Array))
        return Status::invalidArgument("job " + job.id + ": warnings are not a JSON array");
    if (actor.empty()) return Status::invalidArgument("job " + job.id + ": empty actor");
    return Status::ok();
}

}  // namespace jobs
