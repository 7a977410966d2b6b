# SIGINT while repositories wait for what one worker reads for all of them
# ("load once, others wait", once.c): a project's permissions (Cloud) and
# a group's members (Data Center). A repository whose read was stopped, or
# that waited on one, is cancelled, not unreadable: stderr names none as
# "cannot read", no rows are written for it (a group whose members were
# not read never reaches "no one"), the summary says the run was
# interrupted and counts them as cancelled, the exit code is 130. The
# waiters return at the signal; the run ends when the loader's request in
# flight does. Only the slow resource has latency (/_config latency_path).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/e2e/dclib.sh"
SLOW=4000     # ms: the request in flight at the signal

# interrupt ARGS...: access in the background, SIGINT after 1.5 s; sets RC
# and SECS (from the signal to the end)
interrupt() {
  "$BBPERM" access --no-progress --retries 0 -j 8 "$@" > out.csv 2> err.txt &
  local bb=$!
  sleep 1.5
  kill -INT $bb
  local t0; t0=$(date +%s.%N)
  RC=0; wait $bb || RC=$?
  SECS=$(echo "$(date +%s.%N) - $t0" | bc)
}
# check WHAT DONE CANCELLED: exit code, stderr and the summary
check() {
  echo "$1: $(tail -1 err.txt); ended $SECS s after the signal"
  expect_eq "$RC" 130 "$1: exit code after SIGINT"
  if grep -q 'cannot read\|could not be read (' err.txt; then
    cat err.txt; fail "$1: a cancelled read reported as a failed one"
  fi
  expect_match "$(tail -1 err.txt)" "^bbperm: access: interrupted after $2 repositor(y|ies) \(of [0-9]+ listed; 0 could not be read, $3 cancelled\), " "$1: summary"
  # the loader's one request in flight, not a page more
  [ "$(echo "$SECS < $SLOW / 1000 + 1" | bc)" = 1 ] || fail "$1: took $SECS s to stop"
}

# Cloud: 4 repositories in FAST, 4 in SLOW, whose project lists are slow.
python3 - <<'PY'
import json
users = [{"uuid": "{00000000-0000-0000-0000-%012d}" % i, "account_id": "557058:u%02d" % i,
          "display_name": "User %02d" % i, "email": "u%02d@example.com" % i} for i in range(4)]
ids = [u["account_id"] for u in users]
repos = [("a%d" % i, "SLOW") for i in range(4)] + [("b%d" % i, "FAST") for i in range(4)]
fx = {
  "credentials": [{"username": "admin@example.com", "password": "s3cret-token"}],
  "workspaces": {"acme": {
    "repositories": [{"slug": r, "project": p} for r, p in repos],
    "projects": ["SLOW", "FAST"], "groups": ["leads"], "users": users}},
  "permissions": [{"workspace": "acme", "repository": r, "user": ids[0], "permission": "read"}
                  for r, _ in repos] +
                 [{"workspace": "acme", "project": p, "group": "leads", "permission": "write"}
                  for p in ("SLOW", "FAST")],
  "access": {"workspaces": {"acme": {"owners": ids[3:4], "groups": {"leads": ids[1:3]}}}}}
json.dump(fx, open("fx.json", "w"), indent=1)
PY
FAKEBB_FIXTURE=$PWD/fx.json fakebb_start || fail "fakebb"
curl -sf -X POST -d "{\"latency_ms\": $SLOW, \"latency_path\": \"/projects/SLOW/permissions-config/\"}" \
  "$FAKEBB_URL/_config" > /dev/null || fail "/_config"
interrupt --base-url "$FAKEBB_URL/2.0" acme
check "Cloud" 4 4
# FAST's repositories are read whole; SLOW's have no row
expect_eq "$(tail -n +2 out.csv | cut -d, -f2 | sort -u | tr '\n' ' ')" "b0 b1 b2 b3 " "repositories with rows"
expect_eq "$(grep -c '^acme,b0,' out.csv)" 4 "rows of a read repository"
fakebb_stop

# Data Center: 8 repositories whose project grants group leads; its members
# come on two pages, the first slow: the read is cancelled before the second.
dc_fixture <<'JSON'
{
    "projects": [{"key": "PRJ", "name": "Project", "repos": ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"]}],
    "groups": ["leads"],
    "users": [
      {"name": "jdoe", "displayName": "John Doe", "emailAddress": "john@example.com"},
      {"name": "ann", "displayName": "Ann", "emailAddress": "ann@example.com"}
    ],
    "permissions": [{"project": "PRJ", "group": "leads", "permission": "PROJECT_WRITE"}]
}
JSON
python3 - <<'PY'
import json
fx = json.load(open("fx.json"))
# jdoe also holds read on each repository: a row without the group would
# say ann has no access and jdoe only read
fx["datacenter"]["permissions"] += [{"project": "PRJ", "repo": "r%d" % i, "user": "jdoe",
                                     "permission": "REPO_READ"} for i in range(8)]
fx["access"] = {"datacenter": {"members": {"leads": ["jdoe", "ann"]}, "global_users": {}, "global_groups": {}}}
json.dump(fx, open("fx.json", "w"))
PY
dc_start || fail "fakebb"
dc_page_limit 1
curl -sf -X POST -d "{\"latency_ms\": $SLOW, \"latency_path\": \"/admin/groups/more-members\"}" \
  "$FAKEBB_URL/_config" > /dev/null || fail "/_config"
interrupt --base-url "$API"
check "Data Center" 0 8
expect_eq "$(tail -n +2 out.csv | wc -l)" 0 "rows written for repositories whose group was not read"
expect_eq "$(grep -c 'members of' err.txt)" 0 "a cancelled group counted as unreadable"
