# --prune on Data Center: scope PRJ (the project and its repositories). The
# plan lists the revocations after the file's rows in export's order and
# cells (Data Center user names, the project key on repository rows); apply
# makes PRJ equal the file and leaves OPS alone; a re-plan changes nothing;
# the undo file restores the state before; with Basic credentials the
# caller's own permission (user 'admin') is kept; the guard holds at 25%.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/e2e/dclib.sh"
dc_fixture <<'JSON'
{
    "projects": [
      {"key": "PRJ", "name": "Project", "repos": ["web", "api"]},
      {"key": "OPS", "name": "Operations", "repos": ["deploy"]}
    ],
    "groups": ["dev-team", "old-team", "admins"],
    "users": [
      {"name": "jdoe", "displayName": "John Doe", "emailAddress": "john@example.com"},
      {"name": "ann", "displayName": "Ann"},
      {"name": "admin", "displayName": "Administrator"}
    ],
    "permissions": [
      {"project": "PRJ", "group": "admins", "permission": "PROJECT_ADMIN"},
      {"project": "PRJ", "group": "old-team", "permission": "PROJECT_READ"},
      {"project": "PRJ", "user": "admin", "permission": "PROJECT_ADMIN"},
      {"project": "PRJ", "repo": "api", "group": "dev-team", "permission": "REPO_WRITE"},
      {"project": "PRJ", "repo": "api", "user": "jdoe", "permission": "REPO_ADMIN"},
      {"project": "PRJ", "repo": "web", "group": "old-team", "permission": "REPO_READ"},
      {"project": "OPS", "repo": "deploy", "group": "old-team", "permission": "REPO_READ"}
    ]
}
JSON
dc_start
unset BITBUCKET_TOKEN
export BITBUCKET_EMAIL=admin BITBUCKET_API_TOKEN=dc-pass
cat > file.csv <<'CSV'
workspace,repo,project,group,user,privilege
,,PRJ,admins,,admin
,api,PRJ,dev-team,,admin
,api,PRJ,,JDOE,admin
,web,PRJ,,ann,read
CSV
state > before.txt
run_bb plan --base-url "$API" --prune PRJ --max-prune 100% --detailed-exitcode file.csv
expect_eq "$RC" 3 "plan exit"
cat > want.csv <<'CSV'
,,PRJ,old-team,,none,planned,,0,revoke read: not in the file,read
,,PRJ,,admin,admin,ok,,0,"kept: the caller's own admin; would be revoked, but admin is the account this run authenticates as",admin
,web,PRJ,old-team,,none,planned,,0,revoke read: not in the file,read
CSV
tail -n +6 out.csv > got.csv
expect_file got.csv want.csv "Data Center prune rows"
run_bb --base-url "$API" apply --prune PRJ --max-prune 100% --undo-file undo.csv file.csv
expect_eq "$RC" 0 "apply exit"
state > after.txt
grep -q 'deploy.*old-team' after.txt || fail "OPS left alone: $(cat after.txt)"
grep -q 'web.*old-team' after.txt && fail "PRJ pruned: $(cat after.txt)"
grep -qi 'PRJ.*admin.*user' after.txt || grep -q 'admin' after.txt || fail "the caller kept"
run_bb plan --base-url "$API" --prune PRJ --detailed-exitcode file.csv
expect_eq "$RC" 0 "re-plan changes nothing"
run_bb --base-url "$API" apply undo.csv
expect_eq "$RC" 0 "undo exit"
state > undone.txt
expect_file undone.txt before.txt "undo restores the state before"
run_bb plan --base-url "$API" --prune PRJ file.csv
expect_eq "$RC" 1 "guard at 25%: 2 of 6"
expect_eq "$(csv_col out.csv status | grep -c held)" 2 "held rows"
exit 0
