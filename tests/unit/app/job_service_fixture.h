// A JobService over a real store and spool in a temp folder, with a fixed
// clock (nothing sleeps: a test moves the time) and a FaultyFileSystem under
// the spool and the delivery, for the app tests of the job path.
#pragma once

#include <catch2/catch.hpp>

#include <Poco/File.h>
#include <Poco/JSON/Parser.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "app/job_service.h"
#include "common/clock.h"
#include "config/settings.h"
#include "faulty_file_system.h"
#include "test_support.h"

namespace app_testing {

// A step a thread stops at until the test lets it go on.
class Gates {
public:
    void close(const std::string& step) {
        std::lock_guard<std::mutex> lock(mutex_);
        closed_[step] = true;
    }
    // Called by the service's thread at each step.
    void reach(const std::string& step) {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!closed_[step]) return;
        arrived_[step] = true;
        changed_.notify_all();
        changed_.wait(lock, [&] { return !closed_[step]; });
    }
    void waitArrived(const std::string& step) {
        std::unique_lock<std::mutex> lock(mutex_);
        REQUIRE(changed_.wait_for(lock, std::chrono::seconds(20), [&] { return arrived_[step]; }));
    }
    void open(const std::string& step) {
        std::lock_guard<std::mutex> lock(mutex_);
        closed_[step] = false;
        changed_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::map<std::string, bool> closed_;
    std::map<std::string, bool> arrived_;
};

struct JobServiceFixture {
    testing_support::TempDir dir;
    config::Settings settings;
    common::FixedClock clock{Poco::Timestamp::fromEpochTime(1764000000)};
    testing_support::FaultyFileSystem fs;
    Gates gates;
    // Runs at every step hook after the gates (a test may replace it).
    std::function<void(const std::string&)> onStep;
    app::JobServiceOptions options;
    std::unique_ptr<spool::CupsPrinter> printer;
    std::unique_ptr<app::DocumentService> documents;
    std::unique_ptr<jobs::JobStore> store;
    std::unique_ptr<spool::Spool> spool;
    std::unique_ptr<partners::PartnerRegistry> partners;
    std::unique_ptr<offices::OfficeRegistry> offices;
    std::unique_ptr<app::JobService> service;

    // configure: changes the options (hold window, backoff) and may set a
    // printer before the service is built.
    explicit JobServiceFixture(const std::function<void(JobServiceFixture&)>& configure = {}) {
        settings.templatesDir = testing_support::sourcePath("templates");
        settings.partnersFile = testing_support::sourcePath("config/partners.csv");
        settings.officesFile = testing_support::sourcePath("config/offices.csv");
        auto templates = form::TemplateRegistry::load(settings.templatesDir);
        REQUIRE(templates.isOk());
        auto fonts = render::FontMetrics::open(settings.primaryFont, settings.fallbackFont);
        REQUIRE(fonts.isOk());
        render::XlsxOptions xlsx;
        xlsx.tempDir = dir.path();
        documents = std::make_unique<app::DocumentService>(templates.value(), fonts.value(), xlsx);
        partners = std::make_unique<partners::PartnerRegistry>(settings.partnersFile);
        std::vector<partners::LineProblem> problems;
        REQUIRE(partners->reload(problems).isOk());
        offices = std::make_unique<offices::OfficeRegistry>(settings.officesFile);
        REQUIRE(offices->reload(problems).isOk());
        options.delivery.faxHoldSeconds = 60;
        options.stepHook = [this](const std::string& step) {
            gates.reach(step);
            if (onStep) onStep(step);
        };
        if (configure) configure(*this);
        start();
    }

    // What a (re)start does: opens the store, prepares the spool (emptying
    // its tmp/), builds the service. recover() is left to the test.
    void start() {
        auto opened = jobs::JobStore::open(dir.file("jobs.db"), clock);
        REQUIRE(opened.isOk());
        store = std::move(opened.value());
        spool = std::make_unique<spool::Spool>(dir.file("spool"), fs);
        REQUIRE(spool->prepare().isOk());
        service = std::make_unique<app::JobService>(*documents, *store, *spool, *partners, *offices, clock, fs,
                                                    options, printer.get());
    }
    // A process that ended (a crash, as far as the store and the spool can
    // tell: nothing is written on the way out) and started again.
    void restart() {
        service.reset();
        spool.reset();
        store.reset();
        start();
    }

    // The physician-contact sample, to a directory partner by fax or to
    // print; a repeat sends the same again on purpose (allow_duplicate).
    Poco::JSON::Object::Ptr request(const std::string& channel, bool repeat = false) const {
        auto sample = Poco::JSON::Parser()
                          .parse(testing_support::readFile(
                              testing_support::sourcePath("templates/physician-contact/sample.json")))
                          .extract<Poco::JSON::Object::Ptr>();
        Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
        body->set("sheet", "physician-contact");
        body->set("fields", sample->getObject("fields"));
        Poco::JSON::Object::Ptr delivery = new Poco::JSON::Object;
        delivery->set("channel", channel);
        if (channel == "fax") delivery->set("partner", "toko-shirakaba");
        body->set("delivery", delivery);
        if (repeat) body->set("allow_duplicate", true);
        return body;
    }

    app::SubmitResult submit(const std::string& channel, const std::string& key = "") {
        auto submitted = service->submit(request(channel), key, settings.defaultOffice, "cm-test");
        INFO(submitted.status().toString());
        for (const auto& e : submitted.status().fieldErrors()) UNSCOPED_INFO(e.field << ": " << e.code);
        REQUIRE(submitted.isOk());
        return submitted.value();
    }

    // A fax job to a directory partner, held for its window, which has ended.
    std::string heldFaxDueNow() {
        app::SubmitResult submitted = submit("fax");
        REQUIRE(submitted.job.state == jobs::JobState::Held);
        clock.advanceSeconds(61);
        return submitted.job.id;
    }

    // Files of the job anywhere in the channel's spool.
    int spooledFiles(const std::string& id, const std::string& channel = "fax") const {
        int found = 0;
        for (const char* sub : {"tmp", "new", "done", "failed"}) {
            std::vector<std::string> names;
            Poco::File(spool->path(channel, sub)).list(names);
            for (const auto& name : names)
                if (name.rfind(id, 0) == 0) ++found;
        }
        return found;
    }

    jobs::JobState state(const std::string& id) const { return store->get(id)->state; }
    jobs::Job job(const std::string& id) const {
        auto got = store->get(id);
        REQUIRE(got.isOk());
        return got.value();
    }
    // The kinds of the job's events, oldest first.
    std::vector<std::string> eventKinds(const std::string& id) const {
        auto events = store->events(id);
        REQUIRE(events.isOk());
        std::vector<std::string> kinds;
        for (const auto& e : events.value()) kinds.push_back(e.kind);
        return kinds;
    }
    int eventCount(const std::string& id, const std::string& kind) const {
        int n = 0;
        for (const auto& k : eventKinds(id)) n += k == kind;
        return n;
    }
    // Sets the clock to `ms` milliseconds after `origin`.
    void at(Poco::Timestamp origin, long long ms) { clock.set(Poco::Timestamp(origin.epochMicroseconds() + ms * 1000)); }
};

}  // namespace app_testing
