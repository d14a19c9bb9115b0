#include "jobs/job.h"

#include <initializer_list>
#include <stdexcept>

namespace jobs {
namespace {

struct StateRow {
    JobState state;
    const char* name;
};
const StateRow kStates[] = {
    {JobState::Accepted, "accepted"}, {JobState::Rendering, "rendering"}, {JobState::Rendered, "rendered"},
    {JobState::Held, "held"},         {JobState::Spooled, "spooled"},     {JobState::Sent, "sent"},
    {JobState::Failed, "failed"},     {JobState::Cancelled, "cancelled"},
};

}  // namespace

std::string stateName(JobState state) {
    for (const StateRow& row : kStates)
        if (row.state == state) return row.name;
    throw std::logic_error("stateName: unknown JobState");
}

std::optional<JobState> parseState(const std::string& name) {
    for (const StateRow& row : kStates)
        if (name == row.name) return row.state;
    return std::nullopt;
}

std::string channelName(Channel channel) { return channel == Channel::Fax ? "fax" : "print"; }

std::optional<Channel> parseChannel(const std::string& name) {
    if (name == "print") return Channel::Print;
    if (name == "fax") return Channel::Fax;
    return std::nullopt;
}

bool canTransition(JobState from, JobState to) {
    using S = JobState;
    auto oneOf = [to](std::initializer_list<S> allowed) {
        for (S s : allowed)
            if (s == to) return true;
        return false;
    };
    switch (from) {
    case S::Accepted: return oneOf({S::Rendering, S::Rendered, S::Held, S::Failed});
    case S::Rendering: return oneOf({S::Rendered, S::Held, S::Failed, S::Accepted});
    case S::Rendered: return oneOf({S::Spooled, S::Held, S::Failed});
    case S::Held: return oneOf({S::Accepted, S::Rendered, S::Spooled, S::Failed, S::Cancelled});
    case S::Spooled: return oneOf({S::Sent, S::Failed});
    case S::Failed: return oneOf({S::Accepted, S::Rendered});
    case S::Sent:
    case S::Cancelled: return false;
    }
    return false;
}

bool isUnfinished(JobState state) {
    return state == JobState::Accepted || state == JobState::Rendering || state == JobState::Rendered ||
           state == JobState::Held;
}

}  // namespace jobs
