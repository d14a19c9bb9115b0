// Fuzz target: the partner directory file (config/partners.csv, reloaded on
// SIGHUP) and the lookups made on what it loaded.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "partners/partner_directory.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string csv(reinterpret_cast<const char*>(data), size);
    std::vector<partners::LineProblem> problems;
    auto directory = partners::PartnerDirectory::parse(csv, problems);
    if (!directory) return 0;
    for (const partners::Partner* p : directory.value()->search("", "")) {
        directory.value()->find(p->id);
        directory.value()->search(p->name, p->kind);
    }
    return 0;
}
