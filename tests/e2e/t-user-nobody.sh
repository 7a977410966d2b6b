# --user naming nobody is exit 2 before the walk, with one line on stderr:
# an empty review would read as "this person has no access left". Cloud: an
# address no member has, an account id or {uuid} that is no member (a typo),
# one such value among good ones; Data Center: a name or address no user
# has. access and export alike; the only requests are the check and the
# lookups (no listing, no permission list, no group). A value that names
# someone still runs.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/e2e/dclib.sh"
FAKEBB_FIXTURE=$ROOT/tests/fakebb/fixture.json fakebb_start || fail "fakebb"
API=$FAKEBB_URL/2.0
# nobody CMD USER... : exit 2, one line naming the value, only lookups sent
nobody() {
  local cmd=$1 scope=$2; shift 2
  local args=() u
  for u in "$@"; do args+=(--user "$u"); done
  "$BBPERM" "$cmd" --base-url "$API" --no-progress -v "${args[@]}" $scope > out.csv 2> err; rc=$?
  expect_eq "$rc" 2 "$cmd --user $* exit ($(grep -v '^bbperm: [<>]' err))"
  expect_eq "$(grep -v '^bbperm: [<>]' err | grep -v 'check-auth' | grep -c .)" 1 "$cmd --user $*: one line"
  grep -q -- "^bbperm: $cmd: --user .* names nobody: " err || fail "$cmd --user $*: $(cat err)"
  # no request but the check and the lookups
  if grep '^bbperm: > ' err | grep -vE "> GET $API/user$|> GET $API/workspaces/[a-z]+/members(/|\?)|> GET $API/projects\?limit=1$|> GET $API/users\?" ; then
    fail "$cmd --user $*: a walk request was sent"
  fi
  [ ! -s out.csv ] || fail "$cmd --user $*: output written: $(cat out.csv)"
}
for cmd in access export; do
  nobody $cmd acme nobody@example.com
  grep -q "no member of acme has that address" err || fail "message: $(cat err)"
  nobody $cmd acme 557058:nope
  grep -q "^bbperm: $cmd: --user 557058:nope names nobody: no member of acme has that id$" err || fail "id message: $(cat err)"
  nobody $cmd acme '{00000000-0000-0000-0000-00000000dead}'
  # one typo among good values; globex's member is no member of acme
  nobody $cmd "acme/PROJ acme/OPS" ann@example.com '{99999999-8888-7777-6666-555555555555}' 557058:bob
  grep -q "99999999.* names nobody: no member of acme has that id" err || fail "mixed: $(cat err)"
done
# an address or id of a member of one of the scopes' workspaces is someone
"$BBPERM" access --base-url "$API" --no-progress --user ann@example.com --user 557058:bob \
  --user '{99999999-8888-7777-6666-555555555555}' acme globex > ok.csv 2> err || fail "members: $(cat err)"
"$BBPERM" export --base-url "$API" --no-progress --user '{11111111-2222-3333-4444-555555555555}' acme > ok.csv 2> err \
  || fail "export --user uuid: $(cat err)"

fakebb_stop
dc_fixture <<'JSON'
{
    "projects": [{"key": "PRJ", "name": "Project", "repos": ["api"]}],
    "groups": ["dev-team"],
    "users": [{"name": "jdoe", "displayName": "John Doe", "emailAddress": "john@example.com"},
              {"name": "jdoe2", "displayName": "Jay Doe"}],
    "permissions": [{"project": "PRJ", "repo": "api", "user": "jdoe", "permission": "REPO_WRITE"}]
}
JSON
dc_start || fail "fakebb (dc)"
for cmd in access export; do
  nobody $cmd PRJ jdo
  grep -q "^bbperm: $cmd: --user jdo names nobody: the server has no user of that name$" err || fail "dc: $(cat err)"
  nobody $cmd PRJ nobody@example.com
  nobody $cmd PRJ JDOE hn@example.com
done
"$BBPERM" access --base-url "$API" --no-progress --user JDOE --user John@Example.com > ok.csv 2> err || fail "dc members: $(cat err)"
expect_eq "$(csv_col ok.csv user | sort -u | tr '\n' ' ')" "jdoe " "dc --user rows"
"$BBPERM" export --base-url "$API" --no-progress --user jdoe2 PRJ > ok.csv 2> err || fail "dc export --user: $(cat err)"
exit 0
