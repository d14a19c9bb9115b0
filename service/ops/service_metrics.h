// ServiceMetrics read when /metrics is scraped: the jobs by state and
// channel (from the job store), the turn pools' queues and refusals, and the
// fax gateway's backlog. Written into the scrape's Exposition next to the
// process-wide registry (ops/metrics.h). Safe from any thread.
#pragma once

#include "app/application.h"
#include "ops/metrics.h"

namespace ops {

// Writes the families below. A part that cannot be read (the store busy,
// the spool folder unreadable) is logged and its family written without
// samples, so one failure does not hide the rest.
//   renkei_jobs{state,channel}                     gauge, every state and channel
//   renkei_turn_pool_running{pool}                  gauge, pool = render | submission
//   renkei_turn_pool_waiting{pool}                  gauge
//   renkei_turn_pool_queue_limit{pool}              gauge
//   renkei_turn_pool_refusals_total{pool}           counter
//   renkei_fax_gateway_waiting                      gauge, faxes in spool/fax/new
//   renkei_fax_gateway_oldest_age_seconds           gauge, 0 when none waits
void writeServiceMetrics(app::Application& app, Exposition& out);

// The whole scrape: writeServiceMetrics, then the process-wide registry.
std::string scrape(app::Application& app);

}  // namespace ops
