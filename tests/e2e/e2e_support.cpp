#include "e2e_support.h"

#include "common/ids.h"

#include <csignal>

#include <Poco/PipeStream.h>

#include <catch2/catch.hpp>

#include <Poco/Base64Encoder.h>
#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/PipeStream.h>
#include <Poco/StreamCopier.h>
#include <Poco/Thread.h>

#include <csignal>
#include <sstream>
#include <stdexcept>

namespace e2e {

Poco::JSON::Object::Ptr Response::json() const {
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
}

Response request(int port, const std::string& method, const std::string& path, const std::string& body,
                 const std::map<std::string, std::string>& headers, const std::string& contentType) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty() || method == "POST") {
        req.setContentType(contentType);
        req.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse res;
    std::istream& in = session.receiveResponse(res);
    Response out;
    out.status = static_cast<int>(res.getStatus());
    out.contentType = res.getContentType();
    for (const auto& [k, v] : res) out.headers[k] = v;
    Poco::StreamCopier::copyToString(in, out.body);
    return out;
}

int freePort() {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    return socket.address().port();
}

config::Settings sourceTreeSettings(const std::string& dataDir) {
    config::Settings settings;
    settings.port = 0;
    settings.dataDir = dataDir;
    settings.templatesDir = testing_support::sourcePath("templates");
    settings.webDir = testing_support::sourcePath("web");
    settings.partnersFile = testing_support::sourcePath("config/partners.csv");
    settings.officesFile = testing_support::sourcePath("config/offices.csv");
    return settings;
}

Poco::ProcessHandle launchBinary(int port, const std::string& dataDir, Poco::Pipe& output) {
    Poco::Process::Args args = {"--config", testing_support::sourcePath("config/renkei.properties"),
                                "--port", std::to_string(port), "--data", dataDir};
    return Poco::Process::launch(RENKEI_BINARY, args, testing_support::sourcePath(""), nullptr, &output, &output);
}

ServerProcess::ServerProcess(int port, std::function<Poco::ProcessHandle(Poco::Pipe&)> launch)
    : port_(port), launch_(std::move(launch)) {}

ServerProcess::~ServerProcess() { kill(SIGKILL); }

bool ServerProcess::start(int timeoutMs) {
    Poco::Pipe output;
    handle_ = std::make_unique<Poco::ProcessHandle>(launch_(output));
    drain_ = std::thread([output]() mutable {
        Poco::PipeInputStream in(output);
        char buf[4096];
        while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        }
    });
    return waitUntilHealthy(port_, timeoutMs);
}

void ServerProcess::kill(int signal) {
    if (!handle_) return;
    ::kill(handle_->id(), signal);
    handle_->wait();
    handle_.reset();
    if (drain_.joinable()) drain_.join();
}

bool waitUntilHealthy(int port, int timeoutMs) {
    constexpr int kStepMs = 25;
    for (int waited = 0; waited < timeoutMs; waited += kStepMs) {
        try {
            if (request(port, "GET", "/healthz").status == 200) return true;
        } catch (const Poco::Exception&) {
            // Not listening yet.
        }
        Poco::Thread::sleep(kStepMs);
    }
    return false;
}

common::Result<Started> startServer(const config::Settings& settings) {
    auto built = app::Application::build(settings);
    if (!built) return built.status();
    auto server = http::Server::start(*built.value());
    if (!server) return server.status();
    return Started{std::move(built.value()), std::move(server.value())};
}

TestServer::TestServer() : TestServer([](config::Settings&) {}) {}

TestServer::TestServer(const std::function<void(config::Settings&)>& adjust)
    : settings_(sourceTreeSettings(dir_.file("data"))) {
    adjust(settings_);
    auto started = startServer(settings_);
    if (!started) throw std::runtime_error("server did not start: " + started.status().toString());
    app_ = std::move(started->app);
    server_ = std::move(started->server);
}

TestServer::~TestServer() {
    if (server_) server_->stop();
}

std::string sample(const std::string& sheet) {
    return testing_support::readFile(testing_support::sourcePath("templates/" + sheet + "/sample.json"));
}

std::string printJob(const std::string& sheet, const std::string& fieldsJson) {
    Poco::JSON::Object::Ptr s = Poco::JSON::Parser().parse(sample(sheet)).extract<Poco::JSON::Object::Ptr>();
    std::string fields;
    if (fieldsJson.empty()) {
        std::ostringstream out;
        s->getObject("fields")->stringify(out);
        fields = out.str();
    } else {
        fields = fieldsJson;
    }
    return R"({"sheet":")" + sheet + R"(","delivery":{"channel":"print"},"allow_duplicate":true,"fields":)" + fields + "}";
}

std::string base64(const std::string& bytes) {
    std::ostringstream encoded;
    Poco::Base64Encoder encoder(encoded);
    encoder.rdbuf()->setLineLength(0);
    encoder << bytes;
    encoder.close();
    return encoded.str();
}

void writeSelfSignedCertificate(const testing_support::TempDir& dir) {
    auto made = testing_support::run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                                      "-subj", "/CN=localhost", "-keyout", dir.file("key.pem"), "-out", dir.file("cert.pem")});
    REQUIRE(made.exitCode == 0);
}

// The value of one sample line (name and labels exactly as exposed), or -1.
double sampleValue(const std::string& text, const std::string& series) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ')
            return std::stod(line.substr(series.size() + 1));
    return -1;
}

// Runs promtool (Debian's prometheus package) on a scrape; the test fails,
// never skips, without it.
void promtoolAccepts(const std::string& scrape, const testing_support::TempDir& dir) {
    auto which = testing_support::run({"sh", "-c", "command -v promtool"});
    INFO("promtool is missing: install the prometheus package (scripts/install-deps)");
    REQUIRE(which.exitCode == 0);
    testing_support::writeFile(dir.file("scrape.txt"), scrape);
    auto checked = testing_support::run({"sh", "-c", "promtool check metrics < \"$0\"", dir.file("scrape.txt")});
    INFO(checked.output);
    CHECK(checked.exitCode == 0);
    CHECK(checked.output.empty());  // no lint remarks either
}

std::vector<std::string> listFolder(const std::string& dir) {
    std::vector<std::string> names;
    if (Poco::File(dir).exists()) Poco::File(dir).list(names);
    return names;
}

void checkSpooledOnce(const std::string& channelDir, const std::set<std::string>& acked) {
    const std::string spool = channelDir + (channelDir.back() == '/' ? "" : "/");
    std::multiset<std::string> spooledPdfs, spooledSidecars;
    for (const auto& name : listFolder(spool + "new")) {
        std::string id = name.substr(0, name.find('.'));
        REQUIRE(common::isValidJobId(id));
        if (name == id + ".pdf") spooledPdfs.insert(id);
        else if (name == id + ".json") spooledSidecars.insert(id);
        else FAIL("unexpected file in new/: " << name);
    }
    CHECK(std::set<std::string>(spooledPdfs.begin(), spooledPdfs.end()) == acked);
    CHECK(spooledPdfs.size() == acked.size());
    CHECK(spooledSidecars.size() == acked.size());
    CHECK(listFolder(spool + "tmp").empty());
    for (const auto& id : acked) {
        auto sidecar = Poco::JSON::Parser()
                           .parse(testing_support::readFile(spool + "new/" + id + ".json"))
                           .extract<Poco::JSON::Object::Ptr>();
        CHECK(common::sha256Hex(testing_support::readFile(spool + "new/" + id + ".pdf")) ==
              sidecar->getValue<std::string>("sha256"));
    }
}

}  // namespace e2e
