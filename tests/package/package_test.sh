#!/usr/bin/env bash
# Issue 19: the Debian package, built by CPack from this build folder and
# checked as an installer would meet it, without installing it (the test
# machine is shared; nothing outside OUT is touched):
#   - dpkg-deb -c lists the binaries, templates, web UI, /etc files and unit;
#   - dpkg-deb -I: the conffiles, the dependencies (shlibdeps and fonts), the
#     maintainer scripts parse;
#   - the binary holds no path of the build machine;
#   - systemd-analyze verify accepts the unit (see below);
#   - lintian reports no error;
#   - the packaged binary, run on the packaged files only (their paths moved
#     under OUT), passes check-config, serves its sheets and web UI, and stops
#     on SIGTERM.
# Usage: package_test.sh SOURCE_DIR BUILD_DIR OUT_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
out=$3
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)

fail() { echo "FAIL: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$out" --config "$build/CPackConfig.cmake") > "$out/cpack.log" 2>&1 \
  || { cat "$out/cpack.log"; fail "cpack did not build the package"; }
debs=("$out"/renkei_*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || fail "expected one renkei_*.deb in $out"
deb=${debs[0]}
echo "package: $deb"

# What it installs.
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' > "$out/contents"
expected=(/usr/bin/renkei /usr/bin/renkei-fax-sim
  /etc/renkei/renkei.properties /etc/renkei/partners.csv /etc/renkei/offices.csv /etc/renkei/tokens.csv
  /lib/systemd/system/renkei.service
  /usr/share/renkei/web/index.html
  /usr/share/doc/renkei/copyright /usr/share/doc/renkei/changelog.Debian.gz)
for t in "$src"/templates/*/template.json; do
  expected+=("/usr/share/renkei/templates/$(basename "$(dirname "$t")")/template.json")
done
for f in "$src"/web/js/*.js; do expected+=("/usr/share/renkei/web/js/$(basename "$f")"); done
for f in "${expected[@]}"; do grep -qxF "$f" "$out/contents" || fail "dpkg-deb -c does not list $f"; done
if grep -q '^/var/' "$out/contents"; then fail "the package ships files under /var (postinst makes /var/lib/renkei)"; fi

# Its control data.
dpkg-deb -I "$deb" conffiles | sort > "$out/conffiles"
printf '%s\n' /etc/renkei/offices.csv /etc/renkei/partners.csv /etc/renkei/renkei.properties /etc/renkei/tokens.csv \
  > "$out/conffiles.expected"
diff -u "$out/conffiles.expected" "$out/conffiles" || fail "conffiles differ"
depends=$(dpkg-deb -f "$deb" Depends)
for d in libpoconet80 libpodofo0.9.8 libxlsxwriter4 libcups2 fonts-ipaexfont-gothic fonts-ipamj-mincho adduser; do
  [[ "$depends" == *"$d"* ]] || fail "Depends lacks $d: $depends"
done
mkdir -p "$out/control"
dpkg-deb -e "$deb" "$out/control"
for script in postinst prerm postrm; do
  [ -x "$out/control/$script" ] || fail "$script missing or not executable"
  sh -n "$out/control/$script" || fail "$script does not parse"
done
grep -q 'adduser --system' "$out/control/postinst" || fail "postinst does not make the renkei user"

# The files as they would land.
root="$out/root"
dpkg-deb -x "$deb" "$root"
for p in "$src" "$build"; do
  if grep -aqF "$p" "$root/usr/bin/renkei"; then fail "/usr/bin/renkei contains the build path $p"; fi
done

# systemd-analyze verify needs ExecStart's program to exist; the unit names
# /usr/bin/renkei, which is not installed here, and no systemd runs in a
# test container. So a copy of the packaged unit, identical but for
# ExecStart naming the packaged binary where dpkg-deb -x put it, is verified
# offline. It exits 0 even on a bad directive (it only warns), so any output
# fails the test too.
sed "s|^ExecStart=/usr/bin/renkei |ExecStart=$root/usr/bin/renkei |" \
  "$root/lib/systemd/system/renkei.service" > "$out/renkei.service"
grep -q "^ExecStart=$root/usr/bin/renkei " "$out/renkei.service" || fail "the unit has no ExecStart=/usr/bin/renkei"
for directive in 'ProtectSystem=strict' 'ReadWritePaths=/var/lib/renkei' 'PrivateTmp=yes' 'NoNewPrivileges=yes' \
                 'ProtectHome=yes' 'SystemCallFilter=@system-service' 'User=renkei' 'ExecReload=/bin/kill -HUP $MAINPID'; do
  grep -qxF "$directive" "$out/renkei.service" || fail "the unit lacks $directive"
done
verify=$(SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no "$out/renkei.service" 2>&1) \
  || { echo "$verify"; fail "systemd-analyze verify failed"; }
[ -z "$verify" ] || { echo "$verify"; fail "systemd-analyze verify warned"; }

# lintian: no error. Warnings (no manual page yet) are printed, not fatal.
lint=$(lintian --allow-root "$deb" 2>&1) || true
echo "$lint"
if echo "$lint" | grep -q '^E: '; then fail "lintian reports errors"; fi

# The packaged binary on the packaged files alone.
sed -e "s|= /usr/share/renkei|= $root/usr/share/renkei|" -e "s|= /etc/renkei|= $root/etc/renkei|" \
    -e "s|^data.dir = .*|data.dir = $out/data|" -e "s|^server.port = .*|server.port = 0|" \
    "$root/etc/renkei/renkei.properties" > "$out/renkei.properties"
"$root/usr/bin/renkei" check-config --config "$out/renkei.properties" || fail "check-config refuses the packaged configuration"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$root/usr/bin/renkei" --config "$out/renkei.properties" --port "$port" > "$out/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/api/v1/sheets" | grep -q '"admission-info"' || { cat "$out/server.log"; fail "the packaged server does not list its sheets"; }
curl -sf "http://127.0.0.1:$port/" | grep -qi '<html' || { cat "$out/server.log"; fail "the packaged server does not serve its web UI"; }
kill -TERM "$server"
wait "$server" || fail "the packaged server did not stop cleanly on SIGTERM"
trap - EXIT
echo "OK"
