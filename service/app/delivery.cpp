#include "app/delivery.h"

#include "app/job_records.h"

namespace app {

using Poco::JSON::Object;

Delivery Delivery::of(const JobRequest& r) {
    Delivery d;
    d.channel = r.channel;
    if (r.channel == jobs::Channel::Fax) {
        d.partnerId = r.partnerId;
        d.name = r.recipient.name;
        d.department = r.recipient.department;
        d.person = r.recipient.person;
        d.faxNumber = r.faxDigits;
        d.faxDisplay = r.recipient.fax;
        d.verified = r.verifiedNumber;
        d.mask = r.mask;
    }
    d.attachments = static_cast<int>(r.attachments.size());
    return d;
}

common::Result<Delivery> Delivery::of(const jobs::Job& job) {
    Delivery d;
    d.channel = job.channel;
    try {
        Object::Ptr o = parseObject(job.deliveryJson);
        d.partnerId = o->optValue<std::string>("partner", "");
        d.name = o->optValue<std::string>("name", "");
        d.department = o->optValue<std::string>("department", "");
        d.person = o->optValue<std::string>("person", "");
        d.faxNumber = o->optValue<std::string>("faxNumber", "");
        d.faxDisplay = o->optValue<std::string>("faxDisplay", "");
        d.verified = o->optValue<bool>("verified", false);
        d.mask = partners::parseMask(o->optValue<std::string>("mask", "none")).value_or(partners::MaskMode::None);
        d.attachments = o->optValue<int>("attachments", 0);
        d.cupsQueue = o->optValue<std::string>("cupsQueue", "");
        d.cupsSubmitting = o->has("cupsSubmitting");
        if (o->has("cupsJobId")) d.cupsJobId = o->getValue<int>("cupsJobId");
        d.cupsState = o->optValue<std::string>("cupsState", "");
        d.cupsReason = o->optValue<std::string>("cupsReason", "");
        d.result = o->getObject("result");
    } catch (const Poco::Exception& e) {
        return common::Status::internal("job " + job.id + ": stored delivery unreadable: " + e.displayText());
    }
    return d;
}

std::string Delivery::toJson() const {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("channel", jobs::channelName(channel));
    if (channel == jobs::Channel::Fax) {
        if (!partnerId.empty()) o->set("partner", partnerId);
        o->set("name", name);
        o->set("department", department);
        o->set("person", person);
        o->set("faxNumber", faxNumber);
        o->set("faxDisplay", faxDisplay);
        o->set("verified", verified);
        o->set("mask", partners::maskName(mask));
    }
    if (attachments > 0) o->set("attachments", attachments);
    if (!cupsQueue.empty()) o->set("cupsQueue", cupsQueue);
    if (cupsSubmitting) o->set("cupsSubmitting", true);
    if (cupsJobId) o->set("cupsJobId", *cupsJobId);
    if (!cupsState.empty()) {
        o->set("cupsState", cupsState);
        o->set("cupsReason", cupsReason);
    }
    if (result) o->set("result", result);
    return stringify(o);
}

}  // namespace app
