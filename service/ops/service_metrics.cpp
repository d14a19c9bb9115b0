#include "ops/service_metrics.h"

#include <Poco/Logger.h>

#include <map>

#include "ops/gateway_backlog.h"

namespace ops {
namespace {

constexpr jobs::JobState kStates[] = {jobs::JobState::Accepted, jobs::JobState::Rendering, jobs::JobState::Rendered,
                                      jobs::JobState::Held,     jobs::JobState::Spooled,   jobs::JobState::Sent,
                                      jobs::JobState::Failed,   jobs::JobState::Cancelled};
constexpr jobs::Channel kChannels[] = {jobs::Channel::Print, jobs::Channel::Fax};

void writeJobs(app::Application& app, Exposition& out) {
    out.family("renkei_jobs",
               "Jobs in the job store by state and channel (channel=\"fax\": held, spooled = in the gateway, sent, failed).",
               "gauge");
    auto counts = app.store().countByState();
    if (!counts) {
        Poco::Logger::get("renkei.metrics").warning("jobs by state not counted: %s", counts.status().toString());
        return;
    }
    std::map<std::pair<jobs::JobState, jobs::Channel>, long long> byKey;
    for (const auto& c : counts.value()) byKey[{c.state, c.channel}] = c.jobs;
    for (jobs::JobState state : kStates)
        for (jobs::Channel channel : kChannels)
            out.sample("renkei_jobs", {{"state", jobs::stateName(state)}, {"channel", jobs::channelName(channel)}},
                       static_cast<double>(byKey[{state, channel}]));
}

void writePools(app::Application& app, Exposition& out) {
    const std::pair<const char*, const app::TurnPool*> pools[] = {{"render", &app.documents().renderPool()},
                                                                  {"submission", &app.jobs().submissionPool()}};
    out.family("renkei_turn_pool_running", "Turns held now (work running) by pool.", "gauge");
    for (const auto& [name, pool] : pools) out.sample("renkei_turn_pool_running", {{"pool", name}}, pool->running());
    out.family("renkei_turn_pool_waiting", "Callers waiting for a turn now (queue depth) by pool.", "gauge");
    for (const auto& [name, pool] : pools) out.sample("renkei_turn_pool_waiting", {{"pool", name}}, pool->waiting());
    out.family("renkei_turn_pool_queue_limit", "Callers that may wait for a turn before the next is refused, by pool.",
               "gauge");
    for (const auto& [name, pool] : pools)
        out.sample("renkei_turn_pool_queue_limit", {{"pool", name}}, pool->queueLimit());
    out.family("renkei_turn_pool_refusals_total", "Callers refused with 503 because the pool's queue was full.",
               "counter");
    for (const auto& [name, pool] : pools)
        out.sample("renkei_turn_pool_refusals_total", {{"pool", name}}, static_cast<double>(pool->refused()));
}

void writeGateway(app::Application& app, Exposition& out) {
    auto backlog = gatewayBacklog(app.fileSystem(), app.spool().path("fax", "new"), app.clock().now());
    if (!backlog)
        Poco::Logger::get("renkei.metrics").warning("fax gateway backlog not read: %s", backlog.status().toString());
    out.family("renkei_fax_gateway_waiting", "Faxes handed to the gateway (in spool/fax/new) that it has not taken yet.",
               "gauge");
    if (backlog) out.sample("renkei_fax_gateway_waiting", {}, backlog->waiting);
    out.family("renkei_fax_gateway_oldest_age_seconds",
               "How long the oldest fax the gateway has not taken has waited; 0 when none waits.", "gauge");
    if (backlog) out.sample("renkei_fax_gateway_oldest_age_seconds", {}, backlog->oldestAgeSeconds);
}

}  // namespace

void writeServiceMetrics(app::Application& app, Exposition& out) {
    writeJobs(app, out);
    writePools(app, out);
    writeGateway(app, out);
}

std::string scrape(app::Application& app) {
    Exposition out;
    writeServiceMetrics(app, out);
    serviceMetrics();  // registered before the first scrape, so every family shows
    processMetrics().write(out);
    return out.text();
}

}  // namespace ops
