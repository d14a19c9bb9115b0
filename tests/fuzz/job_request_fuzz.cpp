// Fuzz target: a job request body, as POST /api/v1/jobs receives it, through
// the JSON parser, parseJobRequest (sheets, fields, delivery, attachments,
// cover) and, for its "fields" object, the validator of every sheet.
// The templates and the partner directory are the source tree's, loaded once.
#include <Poco/JSON/Parser.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "config/settings.h"
#include "form/validator.h"
#include "app/job_request.h"

namespace {

struct Service {
    std::unique_ptr<app::DocumentService> documents;
    std::shared_ptr<const partners::PartnerDirectory> directory;
};

template <typename T>
T orDie(common::Result<T> result, const char* what) {
    if (!result) {
        std::fprintf(stderr, "job_request_fuzz: %s: %s\n", what, result.status().message().c_str());
        std::abort();
    }
    return std::move(result.value());
}

const Service& service() {
    static const Service s = [] {
        config::Settings settings;  // the Debian fonts of the embedded defaults; the tree's templates and partners
        settings.templatesDir = RENKEI_SOURCE_DIR "/templates";
        settings.partnersFile = RENKEI_SOURCE_DIR "/config/partners.csv";
        Service out;
        auto templates = orDie(form::TemplateRegistry::load(settings.templatesDir), "templates");
        auto fonts = orDie(render::FontMetrics::open(settings.primaryFont, settings.fallbackFont), "fonts");
        out.documents = std::make_unique<app::DocumentService>(templates, fonts, render::XlsxOptions());
        std::vector<partners::LineProblem> problems;
        out.directory = orDie(partners::PartnerDirectory::load(settings.partnersFile, problems), "partners");
        return out;
    }();
    return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const Service& s = service();
    Poco::JSON::Object::Ptr body;
    try {
        Poco::Dynamic::Var parsed = Poco::JSON::Parser().parse(std::string(reinterpret_cast<const char*>(data), size));
        if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) return 0;  // 400 in the handler
        body = parsed.extract<Poco::JSON::Object::Ptr>();
    } catch (const std::exception&) {
        return 0;  // malformed JSON: 400 in the handler
    }

    app::JobLimits limits;
    limits.allowAdHocFaxNumbers = true;  // reaches the number's normalisation too
    auto request = app::parseJobRequest(body, *s.documents, *s.directory, limits);
    if (request) {
        // What the job service does next with an accepted request.
        request->identityJson();
        request->destination();
        app::coverFields(request.value(), "2025-11-20T15:10:00+09:00", 1);
    }

    if (Poco::JSON::Object::Ptr fields = body->getObject("fields"))
        for (const form::SheetTemplate* sheet : s.documents->templates().all()) form::validateFields(*sheet, fields);
    return 0;
}
