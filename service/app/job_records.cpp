#include "app/job_records.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include <sstream>

namespace app {

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string stringify(const Poco::Dynamic::Var& v) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(v, out);
    return out.str();
}

Object::Ptr parseObject(const std::string& json) {
    if (json.empty()) return new Object;
    return Poco::JSON::Parser().parse(json).extract<Object::Ptr>();
}

std::string warningsJson(const std::vector<std::string>& warnings) {
    Array::Ptr list = new Array;
    for (const auto& w : warnings) {
        Object::Ptr item = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        size_t colon = w.find(':');
        item->set("code", w.substr(0, colon));
        item->set("message", colon == std::string::npos ? w : w.substr(colon + 2));
        list->add(item);
    }
    return stringify(list);
}

std::string renderedDetail(int pageCount) {
    Object::Ptr detail = new Object;
    detail->set("pages", pageCount);
    return stringify(detail);
}

common::Status failJob(jobs::JobStore& store, const jobs::Job& job, const std::string& code,
                       const std::string& message, const std::string& actor) {
    jobs::JobChanges failure;
    failure.errorCode = code;
    failure.errorMessage = message;
    Object::Ptr detail = new Object;
    detail->set("reason", code);
    return store.transition(job.id, jobs::JobState::Failed, "failed", actor, stringify(detail), failure);
}

void warnIfFailed(const std::string& jobId, const std::string& what, const common::Status& status) {
    if (!status) Poco::Logger::get("renkei.jobs").warning("job %s: %s: %s", jobId, what, status.toString());
}

}  // namespace app
