#include "app/result_collector.h"

#include "app/delivery.h"
#include "app/job_records.h"
#include "common/ids.h"
#include "form/wareki.h"
#include "ops/metrics.h"

namespace app {

using common::Status;
using Poco::JSON::Object;

ResultCollector::ResultCollector(jobs::JobStore& store, spool::Spool& spool, const common::Clock& clock,
                                 const spool::CupsPrinter* printer)
    : store_(store), spool_(spool), clock_(clock), printer_(printer), failures_("renkei.results", clock) {}

int ResultCollector::followCups() {
    if (!printer_) return 0;
    jobs::JobFilter filter;
    filter.state = "spooled";
    filter.channel = jobs::Channel::Print;
    filter.limit = jobs::kMaxListLimit;
    auto spooled = store_.list(filter);
    failures_.note("listing the jobs sent to CUPS", spooled.status());
    if (!spooled) return 0;
    int changed = 0;
    Status asked;  // the first failure to read a CUPS job's state this round
    for (const auto& job : spooled.value()) {
        auto delivery = Delivery::of(job);
        if (!delivery) {
            failures_.failed("reading the delivery of job " + job.id, delivery.status());
            continue;
        }
        if (!delivery->cupsJobId) continue;
        auto state = printer_->state(*delivery->cupsJobId);
        if (!state && asked) asked = state.status();
        if (!state || !state->isFinal()) continue;
        delivery->cupsState = spool::cupsJobPhaseName(state->phase);
        delivery->cupsReason = state->reason;
        jobs::JobChanges changes;
        changes.deliveryJson = delivery->toJson();
        Status moved;
        if (state->phase == spool::CupsJobPhase::Completed) {
            changes.sentAt = common::isoJst(clock_.now());
            moved = store_.transition(job.id, jobs::JobState::Sent, "sent", "cups", "{}", changes);
        } else {
            changes.errorCode = "print_" + spool::cupsJobPhaseName(state->phase);
            changes.errorMessage = "印刷されませんでした(" + state->reason + ")。";
            moved = store_.transition(job.id, jobs::JobState::Failed, "failed", "cups", "{}", changes);
        }
        // A job that did not move stays spooled and is looked at again next round.
        failures_.note("recording the CUPS result of job " + job.id, moved);
        if (moved) {
            ++changed;
            const bool sent = state->phase == spool::CupsJobPhase::Completed;
            ops::serviceMetrics().deliveryResults.labels({"print", sent ? "sent" : "failed"}).inc();
        }
    }
    failures_.note("asking CUPS for the state of its jobs", asked);
    return changed;
}

common::Result<int> ResultCollector::collect() {
    int changed = followCups();
    for (jobs::Channel channel : {jobs::Channel::Fax, jobs::Channel::Print}) {
        auto results = spool_.results(jobs::channelName(channel));
        if (!results) return results.status();
        for (const auto& r : results.value()) {
            const std::string key = r.jobId + "#" + common::sha256Hex(r.json);
            {
                std::lock_guard<std::mutex> lock(mutex_);
                if (settled_.count(key)) continue;
            }
            auto job = store_.get(r.jobId);
            if (!job && job.status().code() != Status::Code::NotFound) {
                failures_.failed("reading job " + r.jobId + " for its result", job.status());
                continue;  // looked at again next time
            }
            if (job && job->state == jobs::JobState::Spooled) {
                Object::Ptr result;
                try {
                    result = parseObject(r.json);
                } catch (const Poco::Exception&) {
                    continue;  // half-written by a careless consumer: look again next time
                }
                const bool sent = result->optValue<std::string>("status", "") == "sent" && r.dir == "done";
                auto delivery = Delivery::of(job.value());
                if (!delivery) {
                    failures_.failed("reading the delivery of job " + r.jobId, delivery.status());
                    continue;  // looked at again next time
                }
                delivery->result = result;
                jobs::JobChanges changes;
                changes.deliveryJson = delivery->toJson();
                std::string finished = result->optValue<std::string>("finishedAt", "");
                if (!form::parseIsoDateTimeJst(finished)) finished = common::isoJst(clock_.now());
                Status moved;
                if (sent) {
                    changes.sentAt = finished;
                    moved = store_.transition(r.jobId, jobs::JobState::Sent, "sent", "gateway", r.json, changes);
                } else {
                    std::string reason = result->optValue<std::string>("reason", "failed");
                    changes.errorCode = "delivery_failed";
                    changes.errorMessage = "送信できませんでした(" + reason + ")。";
                    moved = store_.transition(r.jobId, jobs::JobState::Failed, "failed", "gateway", r.json, changes);
                }
                if (moved) {
                    ++changed;
                    ops::serviceMetrics().deliveryResults.labels({jobs::channelName(channel), sent ? "sent" : "failed"}).inc();
                }
                if (!moved && moved.code() != Status::Code::Conflict) {
                    failures_.failed("recording the result of job " + r.jobId, moved);
                    continue;  // try again next scan
                }
                failures_.succeeded("recording the result of job " + r.jobId);
            }
            std::lock_guard<std::mutex> lock(mutex_);
            settled_.insert(key);
        }
    }
    return changed;
}

}  // namespace app
