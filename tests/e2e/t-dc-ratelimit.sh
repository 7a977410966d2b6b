# Data Center under a 429 window: the fake allows 15 requests in any 1 s
# window and answers the rest 429 with Retry-After: 1 (Data Center's 429
# always carries it). 52 rows (repository and project, groups and users):
# every row ends ok, the state is exact, every request is accounted for in
# 'attempts', and with -v every pause is the server's 1 s, never bbperm's own
# backoff (--backoff-base 5 would show as other lengths). The reads of
# --diff and of export are limited the same way: every row is still
# 'unchanged', and the export under the limit equals the one without it.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/e2e/dclib.sh"
python3 - <<'PY'
import json
repos = ["r%02d" % i for i in range(40)]
json.dump({"credentials": [{"username": "admin", "password": "dc-pass"}],
           "bearer_tokens": ["dc-token-123"], "workspaces": {},
           "datacenter": {"projects": [{"key": "PRJ", "repos": repos}, {"key": "OPS", "repos": ["tools"]}],
                          "groups": ["dev-team", "qa+ops"],
                          "users": [{"name": "jdoe", "emailAddress": "john@example.com"}]}},
          open("fx.json", "w"))
with open("in.csv", "w") as f, open("want-state.txt", "w") as s:
    f.write("project,repo,group,user,privilege,n\n")
    st = []
    for i, r in enumerate(repos):
        g, p = ("dev-team" if i % 2 else "qa+ops"), ("write" if i % 3 else "read")
        f.write("PRJ,%s,%s,,%s,%d\n" % (r, g, p, i))
        st.append("repository\tdc\tprj/%s\tgroup\t%s\t%s" % (r, g, p))
    for i in range(10):
        f.write("PRJ,r%02d,,jdoe,REPO_ADMIN,u%d\n" % (i, i))
        st.append("repository\tdc\tprj/r%02d\tuser\tjdoe\tadmin" % i)
    f.write("PRJ,,qa+ops,,create-repo,p1\nOPS,,,jdoe,write,p2\n")
    st += ["project\tdc\tprj\tgroup\tqa+ops\tcreate-repo", "project\tdc\tops\tuser\tjdoe\twrite"]
    s.write("".join(x + "\n" for x in sorted(st)))
PY
dc_start --rate-limit 15/1000 --retry-after 1

# pauses_ok FILE WHAT: at least one pause, and every pause the server's 1 s
pauses_ok() {
  local n other
  n=$(grep -c 'pausing all requests for 1.00 s (Retry-After)' "$1")
  other=$(grep 'pausing all requests' "$1" | grep -vc 'for 1.00 s (Retry-After)')
  echo "$2: $n pauses of 1 s (Retry-After), $other others; $(tail -1 "$1")"
  [ "$n" -ge 1 ] || fail "$2: no pause of 1 s from Retry-After was logged"
  expect_eq "$other" 0 "$2: pauses not taken from Retry-After ($(grep 'pausing all requests' "$1" | grep -v 'for 1.00 s (Retry-After)' | head -2))"
}

RC=0
"$BBPERM" -v -j 4 --backoff-base 5 --max-backoff 60 --base-url "$API" -o out.csv in.csv 2>err.txt || RC=$?
expect_eq "$RC" 0 "exit code"
expect_eq "$(csv_col out.csv status | sort | uniq -c | tr -s ' ')" " 52 ok" "statuses"
expect_eq "$(csv_col out.csv http_status | sort -u)" "204" "status codes"
state > state.txt
expect_file state.txt want-state.txt "server state"
[ "$(stat_of status_429)" -gt 0 ] || fail "the server never limited: the test proves nothing"
# the server also counts the check before the first row
expect_eq "$(( $(csv_col out.csv attempts | paste -sd+ | bc) + 1 ))" "$(stat_of requests)" "attempts against server requests"
expect_match "$(tail -1 err.txt)" " $(stat_of status_429) x 429, [0-9.]+ s paused" "summary counts the 429s"
pauses_ok err.txt apply

# --diff: every target's lists are read under the same limit; nothing to write
w0=$(stat_of writes) n0=$(stat_of status_429)
RC=0
"$BBPERM" --diff -v -j 4 --backoff-base 5 --max-backoff 60 --base-url "$API" -o diff.csv in.csv 2>err.txt || RC=$?
expect_eq "$RC" 0 "exit code of --diff"
expect_eq "$(csv_col diff.csv message | sort | uniq -c | tr -s ' ')" " 52 unchanged" "--diff messages"
expect_eq "$(stat_of writes)" "$w0" "writes of --diff after the apply"
[ "$(stat_of status_429)" -gt "$n0" ] || fail "the lists were never limited"
pauses_ok err.txt "--diff"

# export: the listings and permission lists under the limit give the same
# file as without it
curl -sf -X POST -d '{"rate_limit": null}' "$FAKEBB_URL/_config" > /dev/null
RC=0
"$BBPERM" export -q --base-url "$API" -o free.csv 2>err.txt || RC=$?
expect_eq "$RC" 0 "exit code of the export without a limit ($(cat err.txt))"
expect_eq "$(($(wc -l < free.csv) - 1))" 52 "rows of the export"
curl -sf -X POST -d '{"rate_limit": "15/1000"}' "$FAKEBB_URL/_config" > /dev/null
n0=$(stat_of status_429)
RC=0
"$BBPERM" export -v -j 4 --backoff-base 5 --max-backoff 60 --base-url "$API" -o limited.csv 2>err.txt || RC=$?
expect_eq "$RC" 0 "exit code of the export under the limit"
expect_file limited.csv free.csv "export under the limit"
[ "$(stat_of status_429)" -gt "$n0" ] || fail "the export was never limited"
pauses_ok err.txt export
