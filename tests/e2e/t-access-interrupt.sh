# SIGINT in the middle of a slow access review (and export): exit 130, and
# the summary says the run was interrupted after the repositories it read
# ("interrupted after N repositories (of M listed; 0 could not be read, C
# cancelled)"),
# which are exactly the repositories in the output (access). Repositories that were
# cancelled, those waiting for their project's permissions too, are not
# named or counted as unreadable.
. "$(dirname "$0")/lib.sh"
python3 - <<'PY'
import json
repos = [{"slug": "r%02d" % i, "project": "PROJ"} for i in range(40)]
users = [{"uuid": "{00000000-0000-0000-0000-%012d}" % i, "account_id": "557058:u%02d" % i,
          "display_name": "User %02d" % i} for i in range(3)]
fx = {
  "credentials": [{"username": "admin@example.com", "password": "s3cret-token"}],
  "workspaces": {"acme": {"repositories": repos, "projects": ["PROJ"], "groups": ["devs"],
                          "users": users}},
  "permissions": [{"workspace": "acme", "project": "PROJ", "user": "557058:u01", "permission": "read"}],
  "access": {"workspaces": {"acme": {"owners": ["557058:u00"], "groups": {"devs": ["557058:u02"]},
                                     "effective_timeout": True}}}}
json.dump(fx, open("fx.json", "w"))
PY
FAKEBB_FIXTURE=$PWD/fx.json fakebb_start --latency 150 || fail "fakebb"
API=$FAKEBB_URL/2.0
# stopped CMD NOUN: runs CMD on acme, interrupts it, checks the summary
stopped() {
  "$BBPERM" "$1" --base-url "$API" --no-progress --retries 0 -j 4 acme > out.csv 2> err &
  local bb=$!
  sleep 2
  kill -INT $bb
  local rc=0
  wait $bb || rc=$?
  expect_eq "$rc" 130 "$1: exit after SIGINT"
  grep -q "^bbperm: $1: interrupted after [0-9]* $2 (of [0-9]* listed; 0 could not be read, [0-9]* cancelled)" err \
    || fail "$1: summary: $(cat err)"
  ! grep "cannot read" err || fail "$1: a cancelled target was named as unreadable"
  ! grep -E "^bbperm: $1: [0-9]+ $2 \(" err || fail "$1: the summary of a whole run"
  local n; n=$(sed -n "s/^bbperm: $1: interrupted after \([0-9]*\) .*/\1/p" err)
  [ "$n" -gt 0 ] && [ "$n" -lt 40 ] || fail "$1: interrupted after $n"
  # access: every repository has a row (the owner), so the output shows what was read
  [ "$1" != access ] ||
    expect_eq "$(tail -n +2 out.csv | cut -d, -f2 | sort -u | wc -l)" "$n" "$1: repositories in the output"
}
stopped access repositories
stopped export targets
exit 0
