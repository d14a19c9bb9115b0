#include "http/problem.h"

#include <Poco/JSON/Array.h>
#include <Poco/Logger.h>
#include <Poco/RandomStream.h>
#include <Poco/URI.h>

#include <sstream>

namespace http {
namespace {

void write(Poco::Net::HTTPServerResponse& response, int httpStatus, const std::string& contentType,
           const std::string& body) {
    // setStatus() alone keeps the reason the response was made with ("OK"),
    // which gave "HTTP/1.1 422 OK".
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(httpStatus));
    response.setContentType(contentType);
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    // Flushed when the connection loop drops the response, after the request
    // handler has written its audit row: a client that has its answer finds
    // its request in the audit trail.
    response.send().write(body.data(), static_cast<std::streamsize>(body.size()));
}

// A full disk is a 503 like a busy server, but the client should hear why
// and wait longer: space returns when someone frees it, not in a second.
const char* const kStorageFull = "storage_full";
const char* const kStorageFullRetryAfterSeconds = "30";

std::string titleOf(int httpStatus, const std::string& code) {
    if (code == kStorageFull)
        return "保存領域(ディスク)に空きがないため処理できませんでした。しばらくしてから再度お試しください。";
    switch (httpStatus) {
    case 400: return "リクエストの形式が正しくありません。";
    case 401: return "認証が必要です。";
    case 403: return "この操作は許可されていません。";
    case 404: return "指定されたものが見つかりません。";
    case 405: return "このメソッドは使用できません。";
    case 408: return "リクエストの受信が時間内に終わりませんでした。";
    case 431: return "リクエストヘッダーが大きすぎます。";
    case 409: return "既存のデータと競合しています。";
    case 413: return "リクエストが大きすぎます。";
    case 415: return "Content-Type が正しくありません。";
    case 422: return "入力内容に誤りがあります。";
    case 429: return "リクエストが多すぎます。しばらくしてから再度お試しください。";
    case 503: return "混み合っています。しばらくしてから再度お試しください。";
    default: return "サーバー内部でエラーが発生しました。";
    }
}

}  // namespace

std::string newRequestId() {
    unsigned char bytes[6];
    Poco::RandomInputStream().read(reinterpret_cast<char*>(bytes), sizeof bytes);
    static const char* kHex = "0123456789abcdef";
    std::string id;
    for (unsigned char b : bytes) {
        id += kHex[b >> 4];
        id += kHex[b & 15];
    }
    return id;
}

int httpStatusOf(const common::Status& status) {
    using Code = common::Status::Code;
    switch (status.code()) {
    case Code::Ok: return 200;
    case Code::InvalidArgument: return 422;
    case Code::NotFound: return 404;
    case Code::Conflict: return 409;
    case Code::Unavailable:
    case Code::StorageFull: return 503;
    case Code::TooLarge: return 413;
    default: return 500;
    }
}

void sendProblem(Poco::Net::HTTPServerResponse& response, int httpStatus, const std::string& code,
                 const std::string& title, const std::string& requestId,
                 const std::vector<common::FieldError>& errors, const std::string& jobId) {
    Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
    body.set("type", "https://renkei.invalid/problems/" + code);
    body.set("title", httpStatus >= 500 || title.empty() ? titleOf(httpStatus, code) : title);
    body.set("status", httpStatus);
    body.set("code", code);
    body.set("requestId", requestId);
    if (!jobId.empty()) body.set("jobId", jobId);
    if (!errors.empty()) {
        Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
        for (const auto& e : errors) {
            Poco::JSON::Object::Ptr item = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
            item->set("field", e.field);
            item->set("code", e.code);
            item->set("message", e.message);
            list->add(item);
        }
        body.set("errors", list);
    }
    if (httpStatus == 503) response.set("Retry-After", code == kStorageFull ? kStorageFullRetryAfterSeconds : "1");
    std::ostringstream out;
    body.stringify(out);
    write(response, httpStatus, "application/problem+json; charset=utf-8", out.str());
}

void sendStatus(Poco::Net::HTTPServerResponse& response, const common::Status& status, const std::string& requestId,
                const std::string& code) {
    int http = httpStatusOf(status);
    // The client is told only the request id; the log says what went wrong.
    // Busy and a full disk are warnings, anything else an error.
    if (http >= 500) {
        Poco::Logger& log = Poco::Logger::get("renkei.http");
        if (http == 503)
            log.warning("request %s: %d: %s", requestId, http, status.toString());
        else
            log.error("request %s: %d: %s", requestId, http, status.toString());
    }
    std::string title = http == 422 ? titleOf(422, "") : status.message();
    std::string stable = code;
    if (stable.empty()) stable = status.reason().empty() ? status.codeName() : status.reason();
    sendProblem(response, http, stable, title, requestId, status.fieldErrors(), status.jobId());
}

void sendJson(Poco::Net::HTTPServerResponse& response, int httpStatus, const Poco::JSON::Object::Ptr& body) {
    std::ostringstream out;
    body->stringify(out);
    write(response, httpStatus, "application/json; charset=utf-8", out.str());
}

void sendJson(Poco::Net::HTTPServerResponse& response, int httpStatus, const Poco::JSON::Array::Ptr& body) {
    std::ostringstream out;
    body->stringify(out);
    write(response, httpStatus, "application/json; charset=utf-8", out.str());
}

void sendBytes(Poco::Net::HTTPServerResponse& response, int httpStatus, const std::string& contentType,
               const std::string& bytes, const std::string& asciiName, const std::string& utf8Name) {
    if (!asciiName.empty()) {
        // RFC 6266: an ASCII name for old clients, the Japanese name for the rest.
        std::string disposition = "attachment; filename=\"" + asciiName + "\"";
        if (!utf8Name.empty()) {
            std::string encoded;
            Poco::URI::encode(utf8Name, "!#$&+,/:;=?@[]*'()\"\\ ", encoded);
            disposition += "; filename*=UTF-8''" + encoded;
        }
        response.set("Content-Disposition", disposition);
    }
    write(response, httpStatus, contentType, bytes);
}

}  // namespace http
