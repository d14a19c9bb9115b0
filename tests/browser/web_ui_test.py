#!/usr/bin/python3
"""Issue 16: the browser interface, end to end in a real headless Chromium.

Starts the built renkei binary on a free port with a temporary data folder, a
tokens file and a short fax hold, then drives Debian's chromium through
chromedriver (python3-selenium) as a care manager would: sign in, fill the
admission sheet in Japanese, get a field error and fix it, preview, fax to a
directory partner, cancel within the hold window, send again, let the gateway
simulator deliver it, confirm the receipt and find the job's line in the
month's evidence. A screenshot of each step goes to --out.

Fails (never skips) when chromium, chromedriver or selenium is missing.

  web_ui_test.py --renkei build/renkei --fax-sim build/renkei-fax-sim --out DIR [--source DIR]
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

try:
    from selenium import webdriver
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError as e:  # a missing tool is a failure, not a skip
    print(f"FAIL: python3-selenium is not installed ({e}); run scripts/install-deps", file=sys.stderr)
    sys.exit(1)

SCRIPT_TEXT = '<script>alert("x")</script>'
HOLD_SECONDS = 8


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The real renkei binary with its own data folder and tokens file."""

    def __init__(self, renkei, work, source):
        out = subprocess.run([renkei, "token", "new", "--office", "harunire-no-oka", "--role", "submitter",
                              "--name", "harenire-desk", "--config", os.path.join(source, "config", "renkei.properties")], check=True, capture_output=True, text=True).stdout
        lines = [l.strip() for l in out.splitlines() if l.strip()]
        self.token = next(l for l in lines if l.startswith("rk_"))
        token_line = next(l for l in lines if l.startswith("harenire-desk,"))
        tokens = os.path.join(work, "tokens.csv")
        with open(tokens, "w", encoding="utf-8") as f:
            f.write("name,office,role,sha256,status\n" + token_line + "\n")
        self.port = free_port()
        self.data = os.path.join(work, "data")
        config = os.path.join(work, "renkei.properties")
        with open(config, "w", encoding="utf-8") as f:
            # The embedded defaults are the package's paths: point them at the tree.
            f.write(f"server.port = {self.port}\ndata.dir = {self.data}\nauth.tokensFile = {tokens}\n"
                    f"fax.holdSeconds = {HOLD_SECONDS}\ndispatch.pollMs = 100\n"
                    f"templates.dir = {os.path.join(source, 'templates')}\n"
                    f"web.dir = {os.path.join(source, 'web')}\n"
                    f"partners.file = {os.path.join(source, 'config', 'partners.csv')}\n"
                    f"offices.file = {os.path.join(source, 'config', 'offices.csv')}\n")
        self.log = open(os.path.join(work, "server.log"), "w", encoding="utf-8")
        self.proc = subprocess.Popen([renkei, "--config", config], stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(200):
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.05)
        raise RuntimeError("renkei did not start; see server.log")

    def api(self, path, method="GET", body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Authorization": "Bearer " + self.token, "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read() or b"null")

    def pdf(self, sheet, source):
        """The sheet's sample rendered as a PDF, to attach like a care plan."""
        with open(os.path.join(source, "templates", sheet, "sample.json"), encoding="utf-8") as f:
            body = json.dumps({"fields": json.load(f)["fields"]}).encode()
        req = urllib.request.Request(f"{self.url}/api/v1/sheets/{sheet}/render?format=pdf", data=body, method="POST",
                                     headers={"Authorization": "Bearer " + self.token, "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class Page:
    def __init__(self, driver, shots):
        self.d = driver
        self.shots = shots
        self.n = 0

    def wait(self, condition, timeout=10, message=""):
        return WebDriverWait(self.d, timeout).until(condition, message)

    def find(self, css, timeout=10):
        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, css)), timeout, f"{css} not shown")

    def gone(self, css, timeout=10):
        self.wait(EC.invisibility_of_element_located((By.CSS_SELECTOR, css)), timeout, f"{css} still shown")

    def text_in(self, css, text, timeout=10):
        self.wait(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text), timeout, f"{text!r} not in {css}")

    def center(self, el):
        self.d.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
        return el

    def click(self, css):
        # The partner list and other views are redrawn when a search answers:
        # an element found just before that is stale, so find it again.
        for attempt in range(5):
            try:
                el = self.center(self.find(css))
                self.wait(EC.element_to_be_clickable(el), 10, f"{css} not clickable")
                el.click()
                return el
            except StaleElementReferenceException:
                if attempt == 4:
                    raise
                time.sleep(0.2)

    def type(self, css, text, clear=True):
        el = self.center(self.find(css))
        if clear:
            el.clear()
        el.send_keys(text)
        return el

    def field(self, key):
        return f"#f-{key}"

    def fill(self, key, text):
        el = self.type(self.field(key), text)
        el.send_keys(Keys.TAB)  # leaves the field: dates and kana are tidied on blur
        return el

    def choose(self, key, value):
        self.click(f'label[for="f-{key}-{value}"]')

    def shot(self, name):
        self.n += 1
        path = os.path.join(self.shots, f"{self.n:02d}-{name}.png")
        self.d.save_screenshot(path)
        print(f"  screenshot {path}")


def check(cond, message):
    if not cond:
        raise AssertionError(message)


def run(args):
    for tool in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(tool):
            print(f"FAIL: {tool} is missing; run scripts/install-deps (chromium, chromium-driver)", file=sys.stderr)
            return 1
    os.makedirs(args.out, exist_ok=True)
    for old in os.listdir(args.out):
        if old.endswith(".png"):
            os.remove(os.path.join(args.out, old))
    work = tempfile.mkdtemp(prefix="renkei-browser-", dir=os.environ.get("RENKEI_TEST_TMP"))
    server = Server(args.renkei, work, os.path.abspath(args.source))
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--lang=ja", "--window-size=1366,768",
                 f"--user-data-dir={os.path.join(work, 'profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    started = time.monotonic()
    try:
        scenario(Page(driver, args.out), server, args)
        severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"
                  and "favicon" not in e["message"] and "status of 4" not in e["message"]]
        check(not severe, f"errors in the browser console: {severe}")
    except Exception:
        try:
            driver.save_screenshot(os.path.join(args.out, "failure.png"))
            for e in driver.get_log("browser"):
                print("  console:", e["level"], e["message"])
        except Exception:
            pass
        raise
    finally:
        driver.quit()
        server.stop()
    print(f"passed in {time.monotonic() - started:.1f} s")
    shutil.rmtree(work, ignore_errors=True)
    return 0


def scenario(p, server, args):
    d = p.d
    print("sign in")
    d.get(server.url + "/")
    p.find("#main h1")
    p.text_in("#main h1", "ログイン")
    check(d.execute_script("return document.querySelectorAll('script:not([src])').length") == 0, "inline script in the page")
    p.shot("login")
    p.type("input[type=password]", "rk_wrong-key-wrong-key-wrong-key")
    p.click("button[type=submit]")
    p.text_in(".login-form .field-error", "アクセスキーが正しくない")
    p.type("input[type=password]", server.token)
    p.find("input[type=password]").send_keys(Keys.ENTER)  # keyboard: Enter submits
    p.text_in("#main h1", "ホーム")
    p.text_in("#user", "はるにれの丘")
    stored = d.execute_script("return JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie")
    check(server.token not in stored and "renkei_session" not in stored, "token or session visible to scripts")
    p.shot("home")

    print("fill the admission sheet")
    p.click("#new-admission-info")
    p.text_in("#main h1", "入院時情報提供シート")
    check(p.find("#f-sender_office_name").get_attribute("value") == "居宅介護支援事業所 はるにれの丘",
          "the office's name is not filled in from the directory")
    p.fill("admission_date", "令和7年11月18日")
    p.fill("admission_time", "２０時１５分")
    check(p.find("#f-admission_time").get_attribute("value") == "20:15", "time not tidied")
    # An impossible 和暦 date is caught on the page, in Japanese, before anything is sent.
    p.fill("info_provided_date", "R7.2.30")
    p.text_in("#field-f-info_provided_date .field-error", "その日付はありません")
    p.fill("info_provided_date", "R7.11.20")
    p.gone("#field-f-info_provided_date .field-error")
    check(p.find("#f-info_provided_date").get_attribute("value") == "令和7年11月20日", "R7.11.20 not shown in 和暦")
    p.fill("recipient_institution", "東光しらかば記念病院")
    p.fill("recipient_department", "地域医療連携室")
    p.fill("sender_cm_name", "春野 恵子")
    p.fill("pt_name", "雪原 正夫")
    p.fill("pt_kana", "ゆきはら　まさお")  # hiragana: made katakana
    check(p.find("#f-pt_kana").get_attribute("value") == "ユキハラ　マサオ", "kana not converted")
    # Keyboard: focus the radio button and press the space bar.
    male = p.center(p.find("#f-pt_sex-male"))
    male.send_keys(Keys.SPACE)
    check(male.is_selected(), "space did not choose the radio button")
    p.fill("pt_birth_date", "1942-03-02")
    check(p.find("#f-pt_birth_date").get_attribute("value") == "昭和17年3月2日", "2025-style date not shown in 和暦")
    p.fill("pt_address", "北海道旭川市東光27条8丁目0番5号")
    p.text_in("#f-pt_municipality", "旭川市")
    p.text_in("#f-pt_fax_label", "ユ・マ")
    p.fill("pt_phone", "0166-12")  # too short: the server says so
    p.choose("pt_care_level", "kaigo2")
    p.find("#field-f-pt_cert_from .badge-conditional")  # now required
    p.fill("pt_cert_from", "令和6年1月1日")
    p.fill("pt_cert_to", "R7.12.31")
    p.choose("bedridden_level", "A2")
    p.choose("dementia_level", "IIa")
    # Notes appear with their option and go away with it.
    p.choose("household", "other")
    p.find("#field-f-household_note")
    p.choose("household", "elderly")
    p.gone("#field-f-household_note")
    # なし excludes the others.
    p.choose("psych_issues", "none")
    p.choose("psych_issues", "hallucination")
    check(not p.find("#f-psych_issues-none").is_selected(), "なし stayed checked with another choice")
    p.fill("key_person_name", "雪原 健一")
    for key, value in (("adl_mobility", "watch"), ("adl_transfer", "partial"), ("adl_dressing", "partial"),
                       ("adl_grooming", "watch"), ("adl_bathing", "full"), ("adl_eating", "independent")):
        p.choose(key, value)
    p.fill("life_history", "旭川市出身。" + SCRIPT_TEXT)
    p.fill("gp_institution", "東光やまなみ内科クリニック")
    check(p.find("#f-pt_age").text == f"{age_on('1942-03-02', today())}歳", "age not computed")
    p.text_in("#save-status", "保存しました", timeout=10)  # the draft is on the server
    p.shot("filled")

    print("the session ends while typing: sign in again over the page, nothing lost")
    d.delete_all_cookies()
    p.fill("interests", "将棋と家庭菜園")
    p.find("dialog[open] input[type=password]").send_keys(server.token + Keys.ENTER)
    p.gone("dialog[open]")
    p.text_in("#save-status", "保存しました", timeout=10)  # the save that met the 401, sent again
    check(p.find("#f-interests").get_attribute("value") == "将棋と家庭菜園", "typed input lost over the sign-in")
    saved = server.api("/api/v1/drafts")["drafts"]
    check(len(saved) == 1, f"drafts: {saved}")
    check(server.api("/api/v1/drafts/" + saved[0]["id"])["fields"].get("interests") == "将棋と家庭菜園",
          "the draft lacks what was typed before signing in again")

    print("field errors from the server, then fixed")
    p.click("#to-destination")
    p.find("#error-summary")
    p.text_in("#error-summary", "件")
    p.text_in("#field-f-key_person_phone .field-error", "必須")
    p.text_in("#field-f-pt_phone .field-error", "電話番号")
    check(p.find("#f-pt_name").get_attribute("value") == "雪原 正夫", "typed input lost after the error")
    p.center(p.find("#field-f-key_person_phone"))
    p.shot("field-error")
    # The error summary links to the field.
    p.click("#error-summary a")
    check(d.switch_to.active_element.get_attribute("id") in ("f-key_person_phone", "f-pt_phone"), "summary link does not focus the field")
    p.fill("key_person_phone", "０９０－００００－５６７８")  # full width: tidied
    check(p.find("#f-key_person_phone").get_attribute("value") == "090-0000-5678", "phone not tidied")
    p.gone("#field-f-key_person_phone .field-error")
    p.fill("pt_phone", "0166-00-2468")
    p.click("#to-destination")
    p.text_in("#step2-title", "送信先")

    print("choose the fax partner")
    check(p.find("#channel-fax").is_selected(), "fax is not the default")
    p.type("input[type=search]", "しらかば")
    p.find("#partner-toko-shirakaba")
    p.click('label[for="partner-toko-shirakaba"]')
    p.text_in("#selected-fax", "0166-00-1235")
    size = d.execute_script("return parseFloat(getComputedStyle(document.getElementById('selected-fax')).fontSize)")
    check(size >= 28, f"fax number not in large type ({size}px)")
    p.type("#patient-ref", SCRIPT_TEXT)
    attachment = os.path.abspath(os.path.join(p.shots, "..", "care-plan.pdf"))
    with open(attachment, "wb") as f:
        f.write(server.pdf("physician-contact", args.source))
    p.d.find_element(By.ID, "attachment-file").send_keys(attachment)
    p.text_in(".attachment-list", "care-plan.pdf")
    p.type("#cover-message", "ご確認をお願いいたします。")
    p.shot("partner")
    p.click("#to-confirm")
    p.text_in("#step3-title", "確認")
    p.text_in("#confirm-fax", "0166-00-1235")
    p.text_in(".confirm-side", "care-plan.pdf")
    p.text_in(".confirm-side", "4枚")  # cover, two pages of the sheet, the attachment
    frame = p.find(".pdf-frame")
    check(frame.get_attribute("src").startswith("blob:"), "no PDF preview")
    check("氏名を伏せた版" in p.find('[role=tab][aria-selected="true"]').text, "the masked fax is not shown first")
    time.sleep(1.0)  # let the PDF viewer draw for the screenshot
    p.shot("preview-fax")
    p.click("#preview-tab-1")
    time.sleep(0.5)
    p.shot("preview-full")

    print("send, then cancel within the hold window")
    p.click("#send")
    p.find("#cancel-send")
    p.text_in(".hold-panel", "秒で送信します")
    seconds = int(p.find("#hold-seconds").text)
    check(0 < seconds <= HOLD_SECONDS, f"countdown shows {seconds}")
    p.shot("hold")
    p.click("#cancel-send")
    p.text_in(".hold-panel", "送信を取り消しました")
    jobs = server.api("/api/v1/jobs")["jobs"]
    check(len(jobs) == 1 and jobs[0]["state"] == "cancelled", f"job not cancelled: {jobs}")
    check(not os.listdir(os.path.join(server.data, "spool", "fax", "new")), "a cancelled fax reached the spool")
    p.shot("cancelled")

    print("send again and let the gateway deliver it")
    p.click("#send-again")
    p.find("#cancel-send")
    p.text_in(".send-area", "FAXゲートウェイに引き渡しました", timeout=HOLD_SECONDS + 10)
    job_id = next(j["id"] for j in server.api("/api/v1/jobs")["jobs"] if j["state"] != "cancelled")
    subprocess.run([args.fax_sim, "--spool", os.path.join(server.data, "spool", "fax"), "--once"], check=True,
                   capture_output=True)
    p.text_in(".send-area", "FAXを送信しました", timeout=15)
    p.shot("sent")
    check(server.api("/api/v1/drafts")["drafts"] == [], "the draft was kept after sending")

    print("the job page: history and receipt")
    p.click(".send-area a[href^='#/jobs/']")
    p.text_in("#main h1", "入院時情報提供シートの送信")
    p.text_in(".summary-list", "送信済み")
    p.text_in("#history-table", "送信完了")
    p.text_in(".summary-list", SCRIPT_TEXT)  # shown as text, not run
    p.type("#receipt-person", "北野")
    p.click('label[for="receipt-method-phone"]')
    p.click("#record-receipt")
    p.text_in("#receipt-recorded", "北野様")
    p.text_in("#history-table", "受信確認を記録")
    p.shot("job-receipt")

    print("the month's evidence")
    p.click("a[href^='#/evidence?month=']")
    p.find(f'#evidence-table tr[data-job="{job_id}"]')
    line = p.find(f'#evidence-table tr[data-job="{job_id}"] .progress-cell').text
    check("東光しらかば記念病院" in line and "FAX送信" in line and "受信確認(北野様)" in line, f"evidence line: {line}")
    p.shot("evidence")
    csv = d.execute_async_script(
        "const done = arguments[0]; fetch(document.getElementById('evidence-csv').href, {credentials: 'same-origin'})"
        ".then((r) => r.text()).then(done, (e) => done('error ' + e));")
    check(job_id in csv and "受信確認(北野様)" in csv, "the CSV lacks the job's line")

    print("jobs list with filters; values shown as text")
    p.click('#nav a[href="#/jobs"]')
    Select(p.find("#filter-state")).select_by_value("sent")
    p.click(".filters button[type=submit]")
    p.find(f'#jobs-table tr[data-job="{job_id}"]')
    row = p.find(f'#jobs-table tr[data-job="{job_id}"]').text
    check(SCRIPT_TEXT in row and "送信済み" in row, f"jobs row: {row}")
    check(d.execute_script("return document.querySelectorAll('script').length") == 1, "a value became a script element")
    p.shot("jobs")

    print("copy as new, and sign out")
    p.click(f'#jobs-table tr[data-job="{job_id}"] a')
    p.click("#copy-as-new")
    p.text_in("#main h1", "入院時情報提供シート")
    check(p.find("#f-pt_name").get_attribute("value") == "雪原 正夫", "copy lost the name")
    check(p.find("#f-doc_date").get_attribute("value") == wareki(today()), "copy did not start dated today")
    p.shot("copy-as-new")
    d.execute_script("window.onbeforeunload = null;")
    p.click(".site-user button")
    try:
        WebDriverWait(d, 2).until(EC.alert_is_present())
        d.switch_to.alert.accept()
    except TimeoutException:
        pass
    p.text_in("#main h1", "ログイン")
    status = d.execute_async_script("const done = arguments[0]; fetch('/api/v1/jobs').then((r) => done(r.status));")
    check(status == 401, f"signed out, yet the API answered {status}")
    p.shot("signed-out")


def today():
    t = time.gmtime(time.time() + 9 * 3600)
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"


def wareki(iso):
    y, m, d = (int(x) for x in iso.split("-"))
    return f"令和{'元' if y == 2019 else y - 2018}年{m}月{d}日"


def age_on(birth, on):
    age = int(on[:4]) - int(birth[:4])
    return age - 1 if on[5:] < birth[5:] else age


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--renkei", required=True)
    parser.add_argument("--fax-sim", required=True)
    parser.add_argument("--out", required=True, help="folder for the screenshots")
    parser.add_argument("--source", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."),
                        help="the source tree (templates/ for the attachment)")
    sys.exit(run(parser.parse_args()))
