#include "app/delivery.h"

#include <catch2/catch.hpp>

namespace {

jobs::Job jobWith(jobs::Channel channel, const std::string& deliveryJson) {
    jobs::Job job;
    job.id = "0123456789abcdef0123456789abcdef";
    job.channel = channel;
    job.deliveryJson = deliveryJson;
    return job;
}

}  // namespace

TEST_CASE("A fax delivery written and read back is the same, in the order the API shows it", "[app][delivery]") {
    app::Delivery d;
    d.channel = jobs::Channel::Fax;
    d.partnerId = "toko-shirakaba";
    d.name = "東光しらかば記念病院";
    d.department = "地域医療連携室";
    d.person = "北野 美咲";
    d.faxNumber = "0166001235";
    d.faxDisplay = "0166-00-1235";
    d.verified = true;
    d.mask = partners::MaskMode::Partial;
    d.attachments = 2;
    const std::string json = d.toJson();
    CHECK(json ==
          R"({"channel":"fax","partner":"toko-shirakaba","name":"東光しらかば記念病院","department":"地域医療連携室",)"
          R"("person":"北野 美咲","faxNumber":"0166001235","faxDisplay":"0166-00-1235","verified":true,)"
          R"("mask":"partial","attachments":2})");
    auto back = app::Delivery::of(jobWith(jobs::Channel::Fax, json));
    REQUIRE(back.isOk());
    CHECK(back->toJson() == json);
    CHECK(back->mask == partners::MaskMode::Partial);
    CHECK_FALSE(back->cupsJobId);
}

TEST_CASE("A print delivery keeps its CUPS intent, job and final state", "[app][delivery]") {
    auto d = app::Delivery::of(jobWith(jobs::Channel::Print, R"({"channel":"print"})"));
    REQUIRE(d.isOk());
    CHECK(d->toJson() == R"({"channel":"print"})");
    d->cupsQueue = "renkei-test";
    d->cupsSubmitting = true;
    auto intent = app::Delivery::of(jobWith(jobs::Channel::Print, d->toJson()));
    REQUIRE(intent.isOk());
    CHECK(intent->cupsSubmitting);
    CHECK_FALSE(intent->cupsJobId);
    intent->cupsSubmitting = false;
    intent->cupsJobId = 42;
    intent->cupsState = "completed";
    auto done = app::Delivery::of(jobWith(jobs::Channel::Print, intent->toJson()));
    REQUIRE(done.isOk());
    CHECK(done->toJson() ==
          R"({"channel":"print","cupsQueue":"renkei-test","cupsJobId":42,"cupsState":"completed","cupsReason":""})");
}

TEST_CASE("A job stored before deliveries were recorded reads as its channel alone", "[app][delivery]") {
    auto d = app::Delivery::of(jobWith(jobs::Channel::Fax, "{}"));
    REQUIRE(d.isOk());
    CHECK(d->channel == jobs::Channel::Fax);
    CHECK(d->faxNumber.empty());
    CHECK_FALSE(d->result);
}

TEST_CASE("A stored delivery that is not a JSON object is an internal error naming the job", "[app][delivery]") {
    for (const char* json : {"[1]", "{not json", R"({"cupsJobId":"forty-two"})"}) {
        INFO(json);
        auto d = app::Delivery::of(jobWith(jobs::Channel::Print, json));
        REQUIRE_FALSE(d.isOk());
        CHECK(d.status().code() == common::Status::Code::Internal);
        CHECK(d.status().message().find("0123456789abcdef0123456789abcdef") != std::string::npos);
    }
}
