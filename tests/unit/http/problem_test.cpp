// The one place a status becomes an HTTP answer (problem.cpp): the status line
// carries the status's own reason phrase (issue 21: it said "422 OK").
#include <catch2/catch.hpp>

#include <Poco/Net/HTTPServerResponse.h>

#include <sstream>

#include "http/problem.h"

namespace {

// Records what would go on the wire.
class RecordedResponse : public Poco::Net::HTTPServerResponse {
public:
    void sendContinue() override {}
    std::ostream& send() override {
        write(wire);
        sent_ = true;
        return wire;
    }
    void sendFile(const std::string&, const std::string&) override {}
    void sendBuffer(const void*, std::size_t) override {}
    void redirect(const std::string&, HTTPStatus) override {}
    void requireAuthentication(const std::string&) override {}
    bool sent() const override { return sent_; }

    std::string statusLine() const { return wire.str().substr(0, wire.str().find("\r\n")); }
    std::ostringstream wire;

private:
    bool sent_ = false;
};

}  // namespace

TEST_CASE("Issue 21: a problem document's status line carries the status's reason phrase", "[http]") {
    const std::pair<int, const char*> statuses[] = {
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {408, "Request Time-out"},
        {409, "Conflict"},
        {413, "Request Entity Too Large"},
        {415, "Unsupported Media Type"},
        {422, "Unprocessable Entity"},
        {429, "Too Many Requests"},
        {431, "Request Header Fields Too Large"},
        {500, "Internal Server Error"},
        {503, "Service Unavailable"},
    };
    for (const auto& [status, phrase] : statuses) {
        INFO(status);
        RecordedResponse response;
        http::sendProblem(response, status, "code", "", "0123456789ab");
        CHECK(response.statusLine() == "HTTP/1.0 " + std::to_string(status) + " " + phrase);
    }
}

TEST_CASE("Issue 21: a JSON or file answer's status line carries the status's reason phrase", "[http]") {
    RecordedResponse created;
    http::sendJson(created, 201, Poco::JSON::Object::Ptr(new Poco::JSON::Object));
    CHECK(created.statusLine() == "HTTP/1.0 201 Created");
    RecordedResponse ok;
    http::sendBytes(ok, 200, "application/pdf", "%PDF");
    CHECK(ok.statusLine() == "HTTP/1.0 200 OK");
}
