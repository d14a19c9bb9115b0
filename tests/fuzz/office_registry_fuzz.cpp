// Fuzz target: the office registry file (offices.file, config/offices.csv,
// reloaded on SIGHUP) and what the server asks of each office it loaded: its
// lookup by id and its business calendar (business days, closed-day reasons,
// after-hours, the next business day). A broken contract of those is a crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "offices/office_directory.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string csv(reinterpret_cast<const char*>(data), size);
    std::vector<partners::LineProblem> problems;
    auto directory = offices::OfficeDirectory::parse(csv, problems);
    if (!directory) return 0;
    // Days around the year's turn and a national holiday, where closed-day
    // ranges such as 12-29..01-03 wrap; and the edges of a working day.
    const form::Date days[] = {{2025, 12, 31}, {2026, 1, 1}, {2026, 1, 3}, {2026, 2, 23}, {2024, 2, 29}};
    const form::TimeOfDay times[] = {{0, 0}, {8, 59}, {9, 0}, {17, 59}, {18, 0}, {23, 59}};
    for (const offices::Office& office : directory.value()->all()) {
        if (directory.value()->find(office.id) == nullptr) __builtin_trap();  // a loaded office must be found
        for (const form::Date& day : days) {
            const bool open = office.calendar.isBusinessDay(day);
            // The header's contract: a reason exactly when the day is closed.
            if (open == office.calendar.closedReason(day).has_value()) __builtin_trap();
            for (const form::TimeOfDay& time : times) {
                // Outside a business day every hour is after hours.
                if (!open && !office.calendar.isAfterHours({day, time})) __builtin_trap();
            }
        }
        office.calendar.nextBusinessDayAfter(days[0]);  // walks up to a year of closed days
    }
    return 0;
}
