# --prune on Data Center: a group or user the server does not know stops
# the project's prune. plan searches the name (/admin/groups?filter=,
# /users?filter=, which match parts of names: 'jdo' finds 'jdoe' and is
# still unknown) and fails the row; apply sends no DELETE after its write
# answered 404; a known subject new to its target is planned as a grant; a
# row of another project stops nothing. A row that fails for another
# reason (409) keeps its target out of the prune; the project's others are
# pruned.
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
      {"project": "PRJ", "user": "admin", "permission": "PROJECT_ADMIN"},
      {"project": "PRJ", "repo": "api", "group": "dev-team", "permission": "REPO_WRITE"},
      {"project": "PRJ", "repo": "api", "user": "jdoe", "permission": "REPO_ADMIN"},
      {"project": "PRJ", "repo": "web", "group": "old-team", "permission": "REPO_READ"},
      {"project": "OPS", "repo": "deploy", "group": "old-team", "permission": "REPO_READ"}
    ],
    "delete_conflict": [{"project": "PRJ", "repo": "api", "user": "jdoe"}]
}
JSON
dc_start --log req.log
unset BITBUCKET_TOKEN
export BITBUCKET_EMAIL=admin BITBUCKET_API_TOKEN=dc-pass
# PRJ as it is, but for old-team on web: a prune of PRJ revokes that one
cat > base.csv <<'CSV'
workspace,repo,project,group,user,privilege
,,PRJ,admins,,admin
,api,PRJ,dev-team,,write
,api,PRJ,,jdoe,admin
CSV
pruned() { csv_col out.csv message | grep -c 'not in the file'; }
mark() { MARK=$(wc -l < req.log); }
since() { tail -n +$((MARK + 1)) req.log; }
state > before.txt
run_bb plan --base-url "$API" --prune PRJ --max-prune 100% base.csv
expect_eq "$RC" 0 "plan of the base file"
expect_eq "$(pruned)" 1 "the base file prunes old-team on web: $(cat out.csv)"

for row in ',web,PRJ,dev-teem,,read' ',web,PRJ,,jdo,read'; do
  { cat base.csv; echo "$row"; } > typo.csv
  run_bb plan --base-url "$API" --prune PRJ --max-prune 100% typo.csv
  expect_eq "$RC" 1 "plan with $row"
  expect_match "$(csv_col out.csv message | sed -n 4p)" "^no such (group: dev-teem|user: jdo)$" "$row's message"
  expect_eq "$(pruned)" 0 "no prune row after $row"
  expect_match "$(cat err.txt)" "PRJ is not pruned: line 5" "$row names the scope and the line"
  mark
  run_bb apply --base-url "$API" --prune PRJ --max-prune 100% typo.csv
  expect_eq "$RC" 1 "apply with $row"
  since | grep -q DELETE && fail "a DELETE was sent: $(since | grep DELETE)"
  state > after.txt
  expect_file after.txt before.txt "apply with $row changes nothing"
done
# known subjects new to their target: planned, one search each
curl -sf -X POST "$FAKEBB_URL/_reset" >/dev/null
{ cat base.csv; echo ',web,PRJ,dev-team,,read'; echo ',web,PRJ,,ann,read'; echo ',api,PRJ,,ann,read'; } > known.csv
run_bb plan --base-url "$API" --prune PRJ --max-prune 100% known.csv
expect_eq "$RC" 0 "plan with known subjects"
expect_eq "$(csv_col out.csv status | sed -n 4,6p | sort -u)" planned "known subjects are planned"
expect_eq "$(pruned)" 1 "known subjects stop nothing"
expect_eq "$(stat_of access_lists)" 2 "one search per subject: dev-team and ann"
# a row of another project stops nothing in PRJ
{ cat base.csv; echo ',deploy,OPS,dev-teem,,read'; } > other.csv
run_bb plan --base-url "$API" --prune PRJ --max-prune 100% other.csv
expect_eq "$(pruned)" 1 "a row of OPS stops nothing in PRJ: $(cat err.txt)"

# a 409 on api: api is named and not pruned, web is
printf ',,PRJ,admins,,admin\n,api,PRJ,,jdoe,none\n' > conflict.csv
sed -i '1i workspace,repo,project,group,user,privilege' conflict.csv
mark
run_bb apply --base-url "$API" --prune PRJ --max-prune 100% conflict.csv
expect_eq "$RC" 1 "apply with a refused row"
expect_eq "$(csv_col out.csv status | sed -n 2p)" failed "the refused row: $(cat out.csv)"
expect_match "$(cat err.txt)" "prune: PRJ/api is not pruned: line 3 failed on it" "the refused row's target is named"
since | grep -q 'DELETE	repository|dc|prj/api|group' && fail "api was pruned: $(since)"
since | grep -q 'DELETE	repository|dc|prj/web|group|old-team	204' || fail "web was not pruned: $(since)"
exit 0
