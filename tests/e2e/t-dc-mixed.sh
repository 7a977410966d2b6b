# Data Center: a mixed CSV against the fake's /rest/api/latest. Repository
# and project rows, groups and users, portable names (read, write, admin,
# create-repo, none, revoke) and Data Center names in odd case (REPO_WRITE,
# project_admin, Repo_Create), invalid rows (a repository row without its
# project, a name of the wrong level, both group and user), rows the server
# refuses (unknown repository, project, group and user: 404; a not_admin
# repository: 401; a DELETE that would lower the caller's own access: 409 with
# the server's message), names that only survive correct query encoding
# (a&b=c, qa+ops, 'ops team'), a username with '@', rows for one permission
# in different case (applied in file order), a pattern over a project's
# repositories, and workspace cells that must be ignored whatever they hold
# ('..', '{x}/y', 'a,b'). The result CSV and the server's final state are
# compared exactly; then the same run through --api datacenter and
# /rest/api/1.0 gives the same result. Also: Basic credentials; a run whose
# first 5 answers are 401 stops; pattern rows need their project.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/e2e/dclib.sh"
D=$ROOT/tests/e2e/data
dc_fixture <<'JSON'
{
    "projects": [
      {"key": "PRJ", "name": "Project", "repos": ["api", "web", "secret"]},
      {"key": "OPS", "name": "Operations", "repos": ["tools"]}
    ],
    "groups": ["dev-team", "qa+ops", "a&b=c", "ops team", "admins"],
    "users": [
      {"name": "jdoe", "displayName": "John Doe", "emailAddress": "john@example.com"},
      {"name": "nomail", "displayName": "No Mail"},
      {"name": "jane@corp", "displayName": "Jane Corp", "emailAddress": "jane@example.com"},
      {"name": "admin", "displayName": "Administrator", "emailAddress": "admin@example.com"}
    ],
    "permissions": [
      {"project": "PRJ", "repo": "api", "group": "admins", "permission": "REPO_ADMIN"},
      {"project": "PRJ", "repo": "api", "user": "admin", "permission": "REPO_ADMIN"}
    ],
    "not_admin": ["PRJ/secret"],
    "delete_conflict": [{"project": "PRJ", "repo": "api", "user": "admin"}]
}
JSON
dc_start --log req.log

RC=0
"$BBPERM" -v -j 8 --base-url "$API" "$D/dc-mixed.csv" >out.csv 2>err.txt || RC=$?
expect_eq "$RC" 1 "exit code with failed and invalid rows"
expect_file out.csv "$D/dc-mixed.expected.csv" "result CSV"
state > state.txt
expect_file state.txt "$D/dc-mixed.expected-state" "server state"
expect_match "$(tail -1 err.txt)" "27 rows: 15 ok, 7 failed \(401 x2, 404 x4, 409 x1\), 5 invalid" "summary"

# the requests: names as query values, percent-encoded; no body; 1 page of
# PRJ's repositories for the pattern, no permission list in a blind apply
# sent REQUEST WHAT: err.txt logs the request line "bbperm: > REQUEST" (a regex)
sent() { grep -q "^bbperm: > $1\$" err.txt || fail "$2"; }
sent 'PUT [^ ]*/rest/api/latest/projects/PRJ/repos/api/permissions/groups?permission=REPO_WRITE&name=qa%2Bops' \
  "qa+ops is not sent as name=qa%2Bops: $(grep -m1 'qa' err.txt)"
sent 'PUT [^ ]*/projects/PRJ/repos/web/permissions/groups?permission=REPO_READ&name=a%26b%3Dc' \
  "a&b=c is not sent as one encoded name: $(grep -m1 'web/permissions/groups' err.txt)"
sent 'PUT [^ ]*/projects/PRJ/permissions/groups?permission=PROJECT_ADMIN&name=ops%20team' \
  "'ops team' is not sent as name=ops%20team"
sent 'DELETE [^ ]*/projects/PRJ/repos/api/permissions/users?name=admin' \
  "the revoke of admin is not DELETE ...?name=admin"
sent 'PUT [^ ]*/projects/OPS/permissions/groups?permission=REPO_CREATE&name=dev-team' \
  "Repo_Create is not sent as REPO_CREATE"
sent 'PUT [^ ]*/projects/OPS/permissions/groups?permission=PROJECT_WRITE&name=qa%2Bops' \
  "' write ' on a project is not sent as PROJECT_WRITE"
# what the server received (its log: the permission as sent, the key decoded)
expect_eq "$(awk -F'\t' '$3=="PUT"' req.log | grep -c '')" "$(grep -c '^bbperm: > PUT ' err.txt)" \
  "PUTs in the server's log against PUTs sent"
grep -qP '\tPUT\trepository\|dc\|prj/web\|user\|jane@corp\t204\tREPO_ADMIN$' req.log ||
  fail "the username 'jane@corp' did not arrive as a username"
attempts=$(csv_col out.csv attempts | paste -sd+ | bc)
expect_eq "$attempts" "$(stat_of writes)" "attempts against server writes"
expect_eq "$(stat_of repo_lists)" 1 "repository pages for the pattern"
expect_eq "$(stat_of lists)" 0 "permission lists in a blind apply"
expect_eq "$(stat_of requests)" $((attempts + 2)) "requests: writes + one repository page + the check before the first row"
expect_eq "$(stat_of overlaps)" 0 "requests for one permission in flight together"

# The same CSV with --api datacenter and the /rest/api/1.0 root, one job:
# the same result and the same state.
curl -sf -X POST "$FAKEBB_URL/_reset" > /dev/null
RC=0
"$BBPERM" --api datacenter -j 1 --base-url "$FAKEBB_URL/rest/api/1.0" -o out2.csv "$D/dc-mixed.csv" 2>err2.txt || RC=$?
expect_eq "$RC" 1 "exit code through /rest/api/1.0"
expect_file out2.csv "$D/dc-mixed.expected.csv" "result CSV through --api datacenter and /rest/api/1.0"
state > state2.txt
expect_file state2.txt "$D/dc-mixed.expected-state" "server state through /rest/api/1.0"

# A username and password pair (Basic) works as well as a Bearer token
curl -sf -X POST "$FAKEBB_URL/_reset" > /dev/null
printf '%s\n' 'project,repo,group,privilege' 'PRJ,web,dev-team,admin' > basic.csv
RC=0
env -u BITBUCKET_TOKEN BITBUCKET_USERNAME=admin BITBUCKET_APP_PASSWORD=dc-pass \
  "$BBPERM" -q --base-url "$API" basic.csv >out3.csv 2>err3.txt || RC=$?
expect_eq "$RC" 0 "exit code with Basic credentials ($(cat err3.txt))"
expect_match "$(state)" "repository	dc	prj/web	group	dev-team	admin" "grant with Basic credentials"

# Data Center's 401 is also "not an administrator here": a failed row, but a
# run whose first 5 answers are all 401 still stops (exit 2), sending nothing
# more
curl -sf -X POST "$FAKEBB_URL/_reset" > /dev/null
printf '%s\n' 'project,repo,group,privilege' PRJ,secret,dev-team,read PRJ,secret,qa+ops,read \
  PRJ,secret,admins,read 'PRJ,secret,a&b=c,read' 'PRJ,secret,ops team,read' \
  PRJ,api,dev-team,read PRJ,web,dev-team,read > only401.csv
RC=0
"$BBPERM" -j 1 --base-url "$API" -o out4.csv only401.csv 2>err4.txt || RC=$?
expect_eq "$RC" 2 "exit code when the first 5 answers are 401"
expect_eq "$(csv_col out4.csv status | uniq -c | tr -s ' ')" " 5 failed
 2 cancelled" "statuses when the first 5 answers are 401"
expect_eq "$(csv_col out4.csv http_status | sort | uniq -c | tr -s ' ')" " 2 
 5 401" "status codes when the first 5 answers are 401"
expect_eq "$(stat_of writes)" 5 "writes when the first 5 answers are 401"

# patterns: over the row's project only; a pattern row without a project is
# invalid; no match and an unknown project fail
printf '%s\n' 'project,repo,group,privilege' ',w*,dev-team,read' 'PRJ,zz*,dev-team,read' \
  'NOPE,*,dev-team,read' 'OPS,t*,dev-team,write' > pat.csv
RC=0
"$BBPERM" --base-url "$API" -o out5.csv pat.csv 2>err5.txt || RC=$?
expect_eq "$RC" 1 "exit code of the pattern rows"
expect_eq "$(cut -d, -f1-4,5-9 out5.csv)" "project,repo,group,privilege,status,http_status,attempts,message,previous
,w*,dev-team,read,invalid,,0,line 2: project: empty; a Data Center repository row needs its project key,
PRJ,zz*,dev-team,read,failed,,0,no repository matches 'zz*' in project PRJ,
NOPE,*,dev-team,read,failed,404,0,cannot list the repositories of NOPE: Project NOPE does not exist.,
OPS,tools,dev-team,write,ok,204,1,," "pattern rows"
