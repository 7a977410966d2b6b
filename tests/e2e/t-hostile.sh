# A hostile or broken server (tests/e2e/hostile.py): credentials never
# follow a next page to another host, every list ends, Retry-After: 0 does
# not spin, server text does not reach the terminal raw, names that would
# change a URL path are refused; and the process itself: closed standard
# descriptors, a --base-url with a password, a netrc others may read.
. "$(dirname "$0")/lib.sh"
trap 'hostile_stop; fakebb_stop; rm -rf "$T"' EXIT

HPID=
hostile_start() {
  hostile_stop
  rm -f port log; : > log
  python3 "$ROOT/tests/e2e/hostile.py" "$1" "$T/port" "$T/log" &
  HPID=$!
  local i
  for i in $(seq 1 100); do [ -s port ] && break; sleep 0.05; done
  read -r HPORT HPORT2 < port || fail "hostile server did not start"
  HURL="http://127.0.0.1:$HPORT"
}
hostile_stop() {
  if [ -n "$HPID" ]; then kill "$HPID" 2>/dev/null; wait "$HPID" 2>/dev/null; HPID=; fi
  return 0
}
# hb ARGS...: bbperm against the hostile server's Cloud root, cut short if
# it never ends
hb() {
  RC=0
  timeout 30 "$BBPERM" --base-url "$HURL/2.0" "$@" >out.csv 2>err.txt || RC=$?
}
count() { grep -c -- "$1" log || true; }

printf 'workspace,repo,group,privilege\nacme,r*,devs,read\n' > pattern.csv
printf 'workspace,repo,group,privilege\nacme,api,devs,read\n' > one.csv

# 1. a next page with user-info goes to 127.0.0.2 for libcurl: not followed
hostile_start userinfo
hb pattern.csv
expect_eq "$RC" 1 "userinfo: exit code"
grep -q 'next page' out.csv || fail "userinfo: $(cat out.csv)"
expect_eq "$(grep -c '^127.0.0.2' log)" 0 "userinfo: requests to the other host"

# an octal host is another address (0127.0.0.1 is 87.0.0.1): not followed
hostile_start octal
hb --timeout 5 pattern.csv
expect_eq "$RC" 1 "octal: exit code"
grep -q 'next page' out.csv || fail "octal: $(cat out.csv)"

# 2. every list ends
hostile_start loop
hb pattern.csv
expect_eq "$RC" 1 "A-B-A: exit code"
grep -q 'already gave' out.csv || fail "A-B-A: $(cat out.csv)"
expect_eq "$(count ' GET /2.0/repositories/acme')" 2 "A-B-A: list pages fetched"

hostile_start dummy
hb pattern.csv
expect_eq "$RC" 1 "dummy parameter: exit code"
grep -q 'does not advance' out.csv || fail "dummy parameter: $(cat out.csv)"
expect_eq "$(count ' GET /2.0/repositories/acme')" 2 "dummy parameter: list pages fetched"

hostile_start empty
hb pattern.csv
expect_eq "$RC" 1 "empty pages: exit code"
grep -q 'empty' out.csv || fail "empty pages: $(cat out.csv)"
expect_eq "$(count ' GET /2.0/repositories/acme')" 1 "empty pages: list pages fetched"

hostile_start dc-stall
RC=0
timeout 30 "$BBPERM" --api datacenter --base-url "$HURL/rest/api/latest" export PRJ >out.csv 2>err.txt || RC=$?
expect_eq "$RC" 1 "Data Center start that does not move: exit code"
grep -q 'cannot list' err.txt || fail "Data Center start that does not move: $(cat err.txt)"
[ "$(count '/repos?')" -le 3 ] || fail "Data Center: $(count '/repos?') list pages"

# 3. Retry-After: 0 on every answer: the backoff's own waits, then --max-wait
hostile_start ratelimit
hb --backoff-base 0.2 --max-backoff 1 --max-wait 3 one.csv
expect_eq "$RC" 1 "Retry-After: 0: exit code"
grep -q 'waited 3 s (--max-wait) for the rate limit' out.csv || fail "Retry-After: 0: $(cat out.csv)"
grep -q 'kept answering 429' err.txt || fail "Retry-After: 0: the run does not say so: $(cat err.txt)"
puts=$(count ' PUT ')
echo "PUTs in 3 s of Retry-After: 0: $puts"
[ "$puts" -le 60 ] || fail "Retry-After: 0 spins: $puts requests in 3 s"

# 4. server text is shown escaped
hostile_start escape
hb --check-auth one.csv
expect_eq "$RC" 2 "--check-auth refused: exit code"
if grep -q $'\x1b' err.txt || grep -q $'\x07' err.txt || grep -q $'\r' err.txt; then
  fail "a control character reached stderr: $(od -c err.txt | head -5)"
fi
grep -qF 'denied \x1b[31mRED\x1b]0;owned\x07' err.txt || fail "escaped text: $(cat err.txt)"
expect_eq "$(wc -l < err.txt)" 1 "--check-auth failure lines"

# 5. listed names that would change the URL path
hostile_start dotdot
hb pattern.csv
printf 'workspace,repo,group,privilege\nacme,*,devs,read\n' > star.csv
hb star.csv
expect_eq "$RC" 1 "slug '..': exit code"
grep -q "'\.\.'" out.csv || fail "slug '..': $(cat out.csv)"
printf 'workspace,repo,user,privilege\nacme,api,x@example.com,read\n' > email.csv
hb email.csv
expect_eq "$RC" 1 "account id '..': exit code"
grep -q "account of x@example.com '\.\.'" out.csv || fail "account id '..': $(cat out.csv)"
expect_eq "$(count ' PUT ')" 0 "writes with a '..' in the path"

# 6. closed standard output: the result must not land in the undo file
hostile_start ok
RC=0
timeout 30 "$BBPERM" --base-url "$HURL/2.0" --undo-file undo.csv one.csv >&- 2>err.txt || RC=$?
expect_eq "$RC" 2 "closed stdout, result to stdout: exit code"
expect_match "$(cat err.txt)" "standard output is closed" "closed stdout: message"
[ -e undo.csv ] && grep -q 'attempts' undo.csv && fail "the result CSV went into the undo file: $(cat undo.csv)"
rm -f undo.csv
RC=0
timeout 30 "$BBPERM" --base-url "$HURL/2.0" --undo-file undo.csv -o res.csv one.csv >&- 2>err.txt || RC=$?
expect_eq "$RC" 0 "closed stdout, -o FILE: exit code ($(cat err.txt))"
grep -q 'attempts' undo.csv && fail "the result CSV went into the undo file: $(cat undo.csv)"
grep -q ',ok,' res.csv || fail "closed stdout, -o FILE: $(cat res.csv)"
rm -f undo.csv
RC=0
timeout 30 "$BBPERM" --base-url "$HURL/2.0" one.csv <&- >out.csv 2>&- || RC=$?
expect_eq "$RC" 0 "closed stdin and stderr: exit code"
grep -q ',ok,' out.csv || fail "closed stdin and stderr: $(cat out.csv)"

# 7. a --base-url with user-info: exit 2, one line, the password not shown
RC=0
"$BBPERM" --base-url "http://me:hunter2@127.0.0.1:$HPORT/2.0" one.csv >out.csv 2>err.txt || RC=$?
expect_eq "$RC" 2 "--base-url with user-info: exit code"
expect_eq "$(wc -l < err.txt)" 1 "--base-url with user-info: lines"
grep -q hunter2 err.txt && fail "the password was echoed: $(cat err.txt)"

# a netrc file others may read gets a warning, as curl gives
unset BITBUCKET_EMAIL BITBUCKET_API_TOKEN
printf 'machine 127.0.0.1\nlogin admin@example.com\npassword s3cret-token\n' > netrc
chmod 644 netrc
hb --netrc-file netrc one.csv
expect_eq "$RC" 0 "netrc: exit code"
grep -q "netrc file 'netrc' may be read by others" err.txt || fail "no netrc warning: $(cat err.txt)"
chmod 600 netrc
hb --netrc-file netrc one.csv
grep -q 'netrc' err.txt && fail "netrc warning on a private file: $(cat err.txt)"
echo "ok"
