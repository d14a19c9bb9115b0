#include "http/job_json.h"

#include <Poco/JSON/Parser.h>

#include "common/clock.h"
#include "reply/reply_ref.h"

namespace http {
namespace {

using Poco::JSON::Object;

Object::Ptr parseObject(const std::string& json) {
    if (json.empty()) return new Object;
    return Poco::JSON::Parser().parse(json).extract<Object::Ptr>();
}

}  // namespace

Poco::JSON::Object::Ptr jobToJson(const jobs::Job& job) {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("id", job.id);
    o->set("sheet", job.sheetId);
    o->set("state", jobs::stateName(job.state));
    o->set("channel", jobs::channelName(job.channel));
    o->set("destination", job.destination);
    if (!job.office.empty()) o->set("office", job.office);
    if (job.patientRef) o->set("patientRef", *job.patientRef);
    o->set("pageCount", job.pageCount);
    if (!job.replyRef.empty()) o->set("replyRef", reply::displayReplyRef(job.replyRef));
    o->set("attempt", job.attempt + 1);
    o->set("createdAt", job.createdAt);
    o->set("updatedAt", job.updatedAt);
    if (job.heldUntilUs > 0 && job.state == jobs::JobState::Held)
        o->set("heldUntil", common::isoJst(Poco::Timestamp(job.heldUntilUs)));
    if (!job.sentAt.empty()) o->set("sentAt", job.sentAt);
    try {
        o->set("delivery", parseObject(job.deliveryJson));
        o->set("warnings", Poco::JSON::Parser().parse(job.warningsJson));
        if (!job.receiptJson.empty()) o->set("receipt", parseObject(job.receiptJson));
    } catch (const Poco::Exception&) {
        // Stored by this service as JSON; unreadable only if edited by hand.
    }
    if (!job.errorCode.empty()) {
        Object::Ptr error = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        error->set("code", job.errorCode);
        error->set("message", job.errorMessage);
        o->set("error", error);
    }
    Object::Ptr links = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    links->set("self", "/api/v1/jobs/" + job.id);
    links->set("pdf", "/api/v1/jobs/" + job.id + "/document?format=pdf");
    links->set("xlsx", "/api/v1/jobs/" + job.id + "/document?format=xlsx");
    if (job.channel == jobs::Channel::Fax) links->set("fax", "/api/v1/jobs/" + job.id + "/document?format=fax_pdf");
    links->set("events", "/api/v1/jobs/" + job.id + "/events");
    o->set("links", links);
    return o;
}

Poco::JSON::Array::Ptr repliesToJson(const std::string& jobId, const std::vector<jobs::ReceivedReply>& replies) {
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const jobs::ReceivedReply& r : replies) {
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
        o->set("id", r.id);
        o->set("receivedAt", r.receivedAt);
        o->set("sender", r.sender);
        try {
            o->set("pages", Poco::JSON::Parser().parse(r.pagesJson));
        } catch (const std::exception&) {
            o->set("pages", Poco::JSON::Array::Ptr(new Poco::JSON::Array));  // checked when stored
        }
        o->set("sizeBytes", r.size);
        o->set("createdAt", r.createdAt);
        o->set("document", "/api/v1/jobs/" + jobId + "/replies/" + std::to_string(r.id));
        list->add(o);
    }
    return list;
}

}  // namespace http
