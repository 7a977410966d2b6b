# --prune on Data Center keeps the caller's own access whatever the
# credential: the Basic user, else the user the server names in the
# X-AUSERNAME header of the check before the first row (no request of its
# own), else at {context}/plugins/servlet/applinks/whoami. A personal token
# and a netrc entry name their user; a project token names no person, and
# then nothing is pruned: exit 1, one stderr line, no DELETE.
. "$(dirname "$0")/lib.sh"
cat > fx.json <<'JSON'
{
  "credentials": [{"username": "admin", "password": "dc-pass"},
                  {"username": "jdoe", "password": "jdoe-pass"}],
  "bearer_tokens": [{"token": "pat-jdoe", "user": "jdoe"},
                    {"token": "proj-tok", "project": "PRJ"},
                    {"token": "repo-tok", "repository": "PRJ/web"}],
  "workspaces": {},
  "datacenter": {
    "projects": [{"key": "PRJ", "name": "Project", "repos": ["web"]}],
    "groups": ["old-team"],
    "users": [{"name": "jdoe", "displayName": "John Doe"}, {"name": "ann", "displayName": "Ann"},
              {"name": "admin", "displayName": "Administrator"}],
    "permissions": [
      {"project": "PRJ", "user": "jdoe", "permission": "PROJECT_ADMIN"},
      {"project": "PRJ", "group": "old-team", "permission": "PROJECT_READ"},
      {"project": "PRJ", "repo": "web", "user": "ann", "permission": "REPO_READ"}
    ]
  }
}
JSON
FAKEBB_FIXTURE=$PWD/fx.json
fakebb_start --log req.log
API=$FAKEBB_URL/rest/api/latest
unset BITBUCKET_EMAIL BITBUCKET_API_TOKEN
printf 'workspace,repo,project,group,user,privilege\n,,PRJ,old-team,,read\n' > file.csv
state > before.txt
jdoe_kept() {
  state | grep -q 'prj	user	jdoe	admin' || fail "$1: jdoe's own admin was revoked: $(state)"
  expect_match "$(grep ',jdoe,' out.csv)" "kept: the caller's own admin; would be revoked, but jdoe is the account" "$1: jdoe's row"
}

# 1. a personal token of jdoe: X-AUSERNAME of the check names jdoe, no
# request of its own; ann is revoked, jdoe kept
export BITBUCKET_TOKEN=pat-jdoe
run_bb --base-url "$API" apply --prune PRJ --max-prune 100% file.csv
expect_eq "$RC" 0 "personal token: exit ($(cat err.txt))"
jdoe_kept "personal token"
state | grep -q 'web.*ann' && fail "personal token: ann not revoked: $(state)"
expect_eq "$(stat_of identity)" 0 "personal token: whoami requests (the check's header named jdoe)"

# 2. without the check, one GET of the whoami servlet names jdoe (plan)
curl -sf -X POST "$FAKEBB_URL/_reset" >/dev/null
run_bb --base-url "$API" plan --no-check-auth --prune PRJ --max-prune 100% file.csv
expect_eq "$RC" 0 "personal token, no check: exit ($(cat err.txt))"
expect_match "$(grep ',jdoe,' out.csv)" "kept: the caller's own admin; would be revoked, but jdoe is the account" "no check: jdoe's row"
expect_eq "$(stat_of identity)" 1 "no check: whoami requests"

# 3. a project token and a repository token name no person: nothing is
# pruned, exit 1, one stderr line, no write
for tok in proj-tok repo-tok; do
  for check in "" --no-check-auth; do
    curl -sf -X POST "$FAKEBB_URL/_reset" >/dev/null
    : > req.log
    export BITBUCKET_TOKEN=$tok
    run_bb --base-url "$API" apply $check --prune PRJ --max-prune 100% file.csv
    expect_eq "$RC" 1 "$tok $check: exit"
    expect_eq "$(grep -vc "^bbperm: 1 row:" err.txt)" 1 "$tok $check: stderr lines besides the summary ($(cat err.txt))"
    expect_match "$(cat err.txt)" "PRJ is not pruned: the account the run authenticates as could not be told" "$tok $check: stderr"
    expect_eq "$(grep -c DELETE req.log)" 0 "$tok $check: DELETEs"
    state > after.txt
    expect_file after.txt before.txt "$tok $check: the state is untouched"
    expect_eq "$(tail -n +3 out.csv)" "" "$tok $check: no prune rows"
  done
done
unset BITBUCKET_TOKEN

# 4. netrc (Basic from a file bbperm never reads the user of): the header
# names jdoe
curl -sf -X POST "$FAKEBB_URL/_reset" >/dev/null
printf 'machine 127.0.0.1\nlogin jdoe\npassword jdoe-pass\n' > netrc
chmod 600 netrc
run_bb --base-url "$API" apply --netrc-file netrc --prune PRJ --max-prune 100% file.csv
expect_eq "$RC" 0 "netrc: exit ($(cat err.txt))"
jdoe_kept "netrc"
state | grep -q 'web.*ann' && fail "netrc: ann not revoked: $(state)"

# 5. Basic: the user given (admin, who holds nothing here) is the caller;
# jdoe is revoked like anyone the file leaves out
curl -sf -X POST "$FAKEBB_URL/_reset" >/dev/null
export BITBUCKET_EMAIL=admin BITBUCKET_API_TOKEN=dc-pass
run_bb --base-url "$API" plan --prune PRJ --max-prune 100% file.csv
expect_eq "$RC" 0 "basic: exit ($(cat err.txt))"
expect_match "$(grep ',jdoe,' out.csv)" "planned" "basic: jdoe is not the caller"
exit 0
