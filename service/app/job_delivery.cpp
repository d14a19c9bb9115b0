#include "app/job_delivery.h"

#include <Poco/Logger.h>

#include <algorithm>

#include "app/delivery.h"
#include "app/job_records.h"
#include "common/ids.h"

namespace app {
namespace {

using common::Status;
using Poco::JSON::Object;

// A job that keeps failing to go out is logged again at most this often, so a
// full disk does not flood the log with one line per job per retry.
constexpr long long kUndeliveredLogIntervalUs = 60LL * 1000000;

Poco::Logger& deliveryLog() { return Poco::Logger::get("renkei.delivery"); }

}  // namespace

JobDelivery::JobDelivery(jobs::JobStore& store, spool::Spool& spool, JobComposer& composer,
                         const common::Clock& clock, common::FileSystem& fs, DeliveryOptions options,
                         const spool::CupsPrinter* printer)
    : store_(store), spool_(spool), composer_(composer), clock_(clock), fs_(fs), options_(std::move(options)),
      printer_(printer) {
    if (options_.shared)
        renewer_ = std::make_unique<ClaimRenewer>(store_, clock_, options_.owner, options_.claimMs, options_.stepHook);
}

common::Status JobDelivery::sendOut(const jobs::Job& job, const std::string& actor, const std::string& rendered) {
    if (job.channel == jobs::Channel::Fax && job.heldUntilUs == 0 && options_.faxHoldSeconds > 0) {
        // The undo window: a wrong destination can still be cancelled.
        jobs::JobChanges hold;
        hold.heldUntilUs = clock_.now().epochMicroseconds() + options_.faxHoldSeconds * 1000000;
        Object::Ptr detail = new Object;
        detail->set("until", common::isoJst(Poco::Timestamp(*hold.heldUntilUs)));
        // Deferred: a held job lost to a power loss is rendered again, and held again at restart.
        Status held = store_.transition(job.id, jobs::JobState::Held, "held", actor, stringify(detail), hold,
                                        jobs::Sync::Deferred);
        noteSendOut(job.id, held);
        return held;
    }
    return deliver(job, actor, rendered);
}

common::Status JobDelivery::deliver(const jobs::Job& job, const std::string& actor, const std::string& rendered) {
    // Only a rendered job goes out: held ones wait for their window (and may
    // still be cancelled), cancelled ones never leave.
    if (job.state != jobs::JobState::Rendered)
        return Status::conflict("job " + job.id + " is " + jobs::stateName(job.state) + ", not rendered");
    {
        std::lock_guard<std::mutex> lock(mutex_);
        // The spool takes one delivery of a job at a time (its temp files are
        // named after the job), and the dispatcher's retry may meet a retry().
        if (!delivering_.insert(job.id).second)
            return Status::unavailable("ジョブ " + job.id + " は送付処理中です。");
    }
    struct Release {
        JobDelivery& delivery;
        const std::string& id;
        ~Release() {
            std::lock_guard<std::mutex> lock(delivery.mutex_);
            delivery.delivering_.erase(id);
        }
    } release{*this, job.id};
    Status delivered = deliverClaimed(job, actor, rendered);
    // Another instance's claim: it is that instance's to send out (and to retry).
    if (delivered.code() == Status::Code::Conflict) return delivered;
    noteSendOut(job.id, delivered);
    return delivered;
}

Status JobDelivery::deliverClaimed(const jobs::Job& job, const std::string& actor, const std::string& rendered) {
    if (!options_.shared) return deliverOnce(job, actor, rendered);
    const long long nowUs = clock_.now().epochMicroseconds();
    Status claimed =
        store_.claim(job.id, options_.owner, nowUs, nowUs + options_.claimMs * 1000, options_.takeOverExpired);
    if (!claimed) return claimed;
    // Read again under the claim: another instance may have sent it out, or
    // recorded a CUPS intent, since the caller read it.
    auto current = store_.get(job.id);
    Status delivered = current.status();
    if (current && current->state != jobs::JobState::Rendered) {
        delivered = Status::conflict("job " + job.id + " is " + jobs::stateName(current->state) + ", not rendered");
    } else if (current) {
        ClaimRenewer::Hold kept(*renewer_, job.id);
        delivered = deliverOnce(current.value(), actor, rendered);
    }
    // The claim is given up unless a finished file may be in the spool with
    // its state change unrecorded (the store was unreachable): then it runs
    // out, and only this instance, or one that shares the spool and so finds
    // the file, takes the job over. A CUPS submission needs no such care:
    // its intent is in the store, and whoever takes over fails the job as
    // print_unknown rather than print it again.
    bool mayBeInSpool = false;
    if (!delivered && !(job.channel == jobs::Channel::Print && printer_)) {
        auto where = spool_.locate(jobs::channelName(job.channel), job.id);
        mayBeInSpool = !where || (where.value() != spool::SpoolLocation::None &&
                                  where.value() != spool::SpoolLocation::Partial);
    }
    if (!mayBeInSpool)
        warnIfFailed(job.id, "claim not released (it runs out by itself)", store_.releaseClaim(job.id, options_.owner));
    return delivered;
}

bool JobDelivery::waiting(const std::string& jobId) {
    std::lock_guard<std::mutex> lock(mutex_);
    return undelivered_.count(jobId) > 0;
}

void JobDelivery::noteSendOut(const std::string& jobId, const Status& outcome) {
    const long long nowUs = clock_.now().epochMicroseconds();
    int failures = 0;
    long long delayMs = 0;
    bool log = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = undelivered_.find(jobId);
        if (outcome) {
            if (it == undelivered_.end()) return;
            failures = it->second.failures;
            undelivered_.erase(it);
            log = true;
        } else {
            Undelivered& u = undelivered_[jobId];
            u.delayMs = u.failures == 0 ? options_.redeliverFirstMs
                                        : std::min<long long>(u.delayMs * 2, options_.redeliverMaxMs);
            u.dueUs = nowUs + u.delayMs * 1000;
            ++u.failures;
            log = u.failures == 1 || nowUs - u.loggedUs >= kUndeliveredLogIntervalUs;
            if (log) u.loggedUs = nowUs;
            failures = u.failures;
            delayMs = u.delayMs;
        }
    }
    if (!log) return;
    if (outcome)
        deliveryLog().information("job %s: sent out after %d failed attempt(s)", jobId, failures);
    else
        deliveryLog().warning("job %s: not sent out (attempt %d failed, next in %.1f s): %s", jobId, failures,
                              delayMs / 1000.0, outcome.toString());
}

common::Result<int> JobDelivery::redeliverDue() {
    const long long nowUs = clock_.now().epochMicroseconds();
    std::vector<std::string> due;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        for (const auto& [id, u] : undelivered_)
            if (u.dueUs <= nowUs) due.push_back(id);
    }
    int sent = 0;
    for (const std::string& id : due) {
        auto job = store_.get(id);
        if (!job && job.status().code() != Status::Code::NotFound) {
            noteSendOut(id, job.status());  // unreadable now: the next try comes later
            continue;
        }
        // Gone, or moved on another way (spooled by a retry, failed): nothing
        // left to send out.
        if (!job || job->state != jobs::JobState::Rendered) {
            std::lock_guard<std::mutex> lock(mutex_);
            undelivered_.erase(id);
            continue;
        }
        if (sendOut(job.value(), "dispatcher", "")) ++sent;
    }
    return sent;
}

common::Status JobDelivery::deliverOnce(const jobs::Job& job, const std::string& actor, const std::string& rendered) {
    const bool fax = job.channel == jobs::Channel::Fax;
    const std::string channel = jobs::channelName(job.channel);  // the spool folder
    if (!fax && printer_) return deliverToCups(job, actor);
    auto where = spool_.locate(channel, job.id);
    if (!where) return where.status();
    if (where.value() == spool::SpoolLocation::None || where.value() == spool::SpoolLocation::Partial) {
        std::string stored;
        if (fax) {
            auto composed = composer_.composeFax(job);
            if (!composed) {
                const Status::Code code = composed.status().code();
                // Busy, or out of space: sent out again later. Anything else will not mend by itself.
                if (code == Status::Code::Unavailable || code == Status::Code::StorageFull ||
                    code == Status::Code::IOError)
                    return composed.status();
                warnIfFailed(job.id, "not marked failed",
                             failJob(store_, job, "render_failed", composed.status().message(), actor));
                return composed.status();
            }
            stored = std::move(composed.value());
        } else if (rendered.empty()) {
            auto frozen = store_.document(job.id, "pdf");
            if (!frozen) return frozen.status();
            stored = std::move(frozen.value());
        }
        const std::string& pdf = fax || rendered.empty() ? stored : rendered;
        Object::Ptr control = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
        control->set("jobId", job.id);
        control->set("sheet", job.sheetId);
        control->set("channel", channel);
        control->set("file", job.id + ".pdf");
        control->set("pageCount", job.pageCount);
        control->set("sha256", common::sha256Hex(pdf));
        control->set("createdAt", job.createdAt);
        control->set("attempt", job.attempt + 1);
        if (fax) {
            auto d = Delivery::of(job);
            if (!d) return d.status();
            control->set("number", d->faxNumber);
            control->set("numberDisplay", d->faxDisplay);
            control->set("verified", d->verified);
            Object::Ptr recipient = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
            recipient->set("name", d->name);
            recipient->set("department", d->department);
            recipient->set("person", d->person);
            control->set("recipient", recipient);
        }
        step("spool.write");
        Status delivered = spool_.deliver(channel, job.id, pdf, stringify(control));
        if (!delivered) {
            const bool full = delivered.code() == Status::Code::StorageFull;
            warnIfFailed(job.id, "spool_error event not written",
                         store_.appendEvent(job.id, "spool_error", actor,
                                            full ? "{\"reason\":\"storage_full\"}" : "{\"reason\":\"io\"}"));
            return delivered;
        }
    }
    Object::Ptr detail = new Object;
    detail->set("spool", channel);
    // Deferred: after a power loss, recover() finds the files in the spool and records this again.
    return store_.transition(job.id, jobs::JobState::Spooled, "spooled", actor, stringify(detail), {},
                             jobs::Sync::Deferred);
}

// CUPS has no "submit exactly once": a crash between its answer and our
// record could print twice. So the intent is recorded first, and a job found
// with the intent but no CUPS id after a crash is failed for a person to
// check, never printed again by itself.
common::Status JobDelivery::deliverToCups(const jobs::Job& job, const std::string& actor) {
    auto stored = Delivery::of(job);
    if (!stored) return stored.status();
    Delivery delivery = std::move(stored.value());
    if (delivery.cupsSubmitting && !delivery.cupsJobId)
        return failJob(store_, job, "print_unknown", "印刷キューへの送信中に中断しました。印刷されたか確認し、必要なら再送してください。", actor);
    auto pdf = store_.document(job.id, "pdf");
    if (!pdf) return pdf.status();
    // The file CUPS reads is written before the intent is recorded: a write
    // that fails (a full disk) then leaves the job as it was, to be tried
    // again, instead of marked as possibly printed.
    const std::string path = spool_.path(jobs::channelName(jobs::Channel::Print), "tmp", job.id + ".cups.pdf");
    Status written = fs_.writeFileSynced(path, pdf.value());
    const char* const kLeftover = "print/tmp/ is emptied by Spool::prepare() at the next start";
    if (!written) {
        common::ignoreStatus(fs_.remove(path), kLeftover);
        return written;
    }
    delivery.cupsQueue = printer_->queue();
    delivery.cupsSubmitting = true;
    jobs::JobChanges intent;
    intent.deliveryJson = delivery.toJson();
    Status marked = store_.update(job.id, intent, "print_submitting", actor, "{}");
    if (!marked) {
        common::ignoreStatus(fs_.remove(path), kLeftover);
        return marked;
    }
    step("cups.intent");
    common::Result<int> cupsJob = printer_->submit(path, job.id);
    common::ignoreStatus(fs_.remove(path), kLeftover);
    if (!cupsJob) {
        // Refused outright: nothing was queued, so a retry later is safe.
        delivery.cupsSubmitting = false;
        jobs::JobChanges undo;
        undo.deliveryJson = delivery.toJson();
        // Not withdrawn, the intent makes a later retry fail as print_unknown
        // instead of printing: safe, and said here.
        warnIfFailed(job.id, "CUPS intent not withdrawn", store_.update(job.id, undo, "print_refused", actor, "{}"));
        return failJob(store_, job, "print_refused", cupsJob.status().message(), actor);
    }
    delivery.cupsJobId = cupsJob.value();
    jobs::JobChanges changes;
    changes.deliveryJson = delivery.toJson();
    Object::Ptr detail = new Object;
    detail->set("cupsJobId", cupsJob.value());
    detail->set("queue", printer_->queue());
    return store_.transition(job.id, jobs::JobState::Spooled, "spooled", actor, stringify(detail), changes);
}

common::Result<int> JobDelivery::releaseDueHeld() {
    auto due = store_.dueHeld(clock_.now().epochMicroseconds());
    if (!due) return due.status();
    int released = 0;
    for (const auto& job : due.value()) {
        // Claim first: once the job has left "held" a cancel is refused, so
        // nothing cancelled can reach the gateway.
        Status claimed =
            store_.transitionFrom(job.id, jobs::JobState::Held, jobs::JobState::Rendered, "released", "dispatcher", "{}");
        if (!claimed) {
            // Conflict: cancelled a moment ago. Anything else: still held, and
            // claimed again next round.
            if (claimed.code() != Status::Code::Conflict)
                warnIfFailed(job.id, "not released from its hold window", claimed);
            continue;
        }
        step("dispatch.claimed");
        auto fresh = store_.get(job.id);
        if (!fresh) {
            // Claimed but unread: due for redeliverDue(), like a failed delivery.
            noteSendOut(job.id, fresh.status());
            continue;
        }
        if (deliver(fresh.value(), "dispatcher")) ++released;
    }
    return released;
}

}  // namespace app
