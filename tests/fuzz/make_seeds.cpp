// Writes the generated part of the fuzz seed corpus into a folder of the build
// tree, one subfolder per target: request bodies made from each sheet's
// sample.json, the templates, config/partners.csv, config/offices.csv,
// config/tokens.example.csv and the settings files of config/ and packaging/
// as they are now, and PDFs from tests/support/pdf_builder (so no binary file
// is committed). Each subfolder is emptied first: the fuzzer adds what it
// finds there during a run, and the next run starts from the seeds again.
// Usage: renkei_fuzz_seeds SOURCE_DIR OUT_DIR. Test-only code.
#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "auth/token_registry.h"
#include "pdf_builder.h"

namespace fs = std::filesystem;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void writeFile(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

fs::path freshDir(const fs::path& out, const std::string& target) {
    fs::path dir = out / target;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::string json(const Object::Ptr& o) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(o, out);
    return out.str();
}

std::string base64(const std::string& bytes) {
    std::ostringstream out;
    Poco::Base64Encoder encoder(out);
    encoder.rdbuf()->setLineLength(0);
    encoder << bytes;
    encoder.close();
    return out.str();
}

Object::Ptr delivery(const std::string& channel, const std::string& key = "", const std::string& value = "") {
    Object::Ptr d = new Object;
    d->set("channel", channel);
    if (!key.empty()) d->set(key, value);
    return d;
}

void jobRequests(const fs::path& source, const fs::path& dir) {
    std::vector<std::pair<std::string, Object::Ptr>> samples;  // sheet id, its fields
    for (const auto& entry : fs::directory_iterator(source / "templates")) {
        if (!fs::exists(entry.path() / "sample.json")) continue;
        Object::Ptr sample = Poco::JSON::Parser().parse(readFile(entry.path() / "sample.json")).extract<Object::Ptr>();
        samples.emplace_back(entry.path().filename().string(), sample->getObject("fields"));
    }
    std::sort(samples.begin(), samples.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [sheet, fields] : samples) {
        Object::Ptr body = new Object;
        body->set("sheet", sheet);
        body->set("fields", fields);
        body->set("delivery", delivery("print"));
        writeFile(dir / (sheet + "-print.json"), json(body));
        body->set("delivery", delivery("fax", "partner", "toko-shirakaba"));
        writeFile(dir / (sheet + "-fax.json"), json(body));
    }
    if (samples.size() < 2) throw std::runtime_error("fewer than two sample.json under templates/");
    // Two sheets in one job, to an ad-hoc number, with an attachment and cover options.
    Object::Ptr body = new Object;
    Array::Ptr documents = new Array;
    for (size_t i = 0; i < 2; ++i) {
        Object::Ptr d = new Object;
        d->set("sheet", samples[i].first);
        d->set("fields", samples[i].second);
        documents->add(d);
    }
    body->set("documents", documents);
    body->set("delivery", delivery("fax", "number", "0166-00-9999"));
    Array::Ptr attachments = new Array;
    Object::Ptr a = new Object;
    a->set("name", "care-plan.pdf");
    a->set("contentBase64", base64(testing_support::simplePdf(1)));
    attachments->add(a);
    body->set("attachments", attachments);
    Object::Ptr cover = new Object;
    cover->set("message", "ご確認ください。");
    cover->set("reply_needed", "yes");
    cover->set("reply_deadline", "2025-11-25");
    body->set("cover", cover);
    body->set("patient_ref", "P-0001");
    body->set("allow_duplicate", true);
    writeFile(dir / "documents-adhoc-attachment.json", json(body));
}

void pdfAttachments(const fs::path& dir) {
    writeFile(dir / "simple-1.pdf", testing_support::simplePdf(1));
    writeFile(dir / "simple-3.pdf", testing_support::simplePdf(3));
    for (const auto& hostile : testing_support::hostilePdfs()) writeFile(dir / hostile.name, hostile.bytes);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: renkei_fuzz_seeds SOURCE_DIR OUT_DIR\n";
        return 2;
    }
    try {
        const fs::path source = argv[1], out = argv[2];
        jobRequests(source, freshDir(out, "job_request"));
        pdfAttachments(freshDir(out, "pdf_attachment"));
        fs::path templates = freshDir(out, "sheet_template");
        for (const auto& entry : fs::directory_iterator(source / "templates"))
            if (fs::exists(entry.path() / "template.json"))
                fs::copy_file(entry.path() / "template.json", templates / (entry.path().filename().string() + ".json"));
        fs::copy_file(source / "config/partners.csv", freshDir(out, "partner_directory") / "partners.csv");
        fs::copy_file(source / "config/offices.csv", freshDir(out, "office_registry") / "offices.csv");
        fs::path settings = freshDir(out, "settings_file");
        fs::copy_file(source / "config/renkei.properties", settings / "checkout.properties");
        fs::copy_file(source / "packaging/renkei.properties", settings / "package.properties");
        fs::path tokens = freshDir(out, "token_registry");
        fs::copy_file(source / "config/tokens.example.csv", tokens / "tokens.example.csv");
        writeFile(tokens / "active.csv", "name,office,role,sha256,status\n" +
                                             auth::newToken("desk", "toko-shirakaba", auth::Role::Submitter).line + "\n" +
                                             auth::newToken("it", "toko-shirakaba", auth::Role::Admin).line + "\n");
    } catch (const std::exception& e) {
        std::cerr << "renkei_fuzz_seeds: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
