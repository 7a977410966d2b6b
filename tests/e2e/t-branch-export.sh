# export --branch-rules, both flavours: a target's branch restrictions as
# input rows (one per group, then per user, each by name; one with no
# subject for a restriction that lists no one; the value where set),
# sorted by target, branch and rule; the branch cell as rows name it (a
# branch, a pattern, '*', model:TYPE); Data Center's project restrictions
# and the email beside a user; a name that a spreadsheet would run starts
# with '. Costs: one list page per target holding <= 100 restrictions, no
# write; pages of one item give the same bytes. A list that ends before its
# size, or a target that cannot be read, is named and exits 1: a rule is
# never left out silently.
. "$(dirname "$0")/lib.sh"

python3 - "$ROOT/tests/fakebb/fixture.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
f['workspaces']['acme']['groups'].append('=ops')
f['branch_restrictions'] = [
    {"workspace": "acme", "repository": "api",
     "restriction": {"kind": "push", "pattern": "main",
                     "users": [{"account_id": "557058:bob"}, {"account_id": "557058:ann"}],
                     "groups": [{"slug": "admins"}, {"slug": "=ops"}]}},
    {"workspace": "acme", "repository": "api",
     "restriction": {"kind": "require_approvals_to_merge", "branch_match_kind": "branching_model",
                     "branch_type": "production", "value": 2}},
    {"workspace": "acme", "repository": "web", "restriction": {"kind": "delete", "pattern": "release/*"}},
    {"workspace": "acme", "repository": "web",
     "restriction": {"kind": "restrict_merges", "pattern": "main", "users": [], "groups": []}}]
dc = f['datacenter']
dc['branch_restrictions'] = [
    {"project": "PRJ", "restriction": {"type": "read-only", "matcher": {"type": {"id": "ANY_REF"}},
                                       "groups": ["admins"]}},
    {"project": "PRJ", "repo": "api",
     "restriction": {"type": "pull-request-only",
                     "matcher": {"id": "refs/heads/main", "type": {"id": "BRANCH"}}, "users": ["jdoe"]}},
    {"project": "PRJ", "repo": "api",
     "restriction": {"type": "fast-forward-only",
                     "matcher": {"id": "release/*", "type": {"id": "PATTERN"}}}},
    {"project": "OPS", "repo": "tools",
     "restriction": {"type": "no-creates",
                     "matcher": {"id": "FEATURE", "type": {"id": "MODEL_CATEGORY"}}}}]
json.dump(f, open('fx.json', 'w'), indent=1)
PY
FAKEBB_FIXTURE=$PWD/fx.json fakebb_start || fail "fakebb did not start"
config() { curl -sf -X POST -d "$1" "$FAKEBB_URL/_config" > /dev/null || fail "_config $1"; }

cat > want-cloud.csv <<'CSV'
workspace,repo,project,branch,rule,group,user,privilege,value
acme,api,PROJ,main,push,'=ops,,,
acme,api,PROJ,main,push,admins,,,
acme,api,PROJ,main,push,,557058:ann,,
acme,api,PROJ,main,push,,557058:bob,,
acme,api,PROJ,model:production,require_approvals_to_merge,,,,2
acme,web,PROJ,main,restrict_merges,,,,
acme,web,PROJ,release/*,delete,,,,
CSV
state > state0.txt
run_bb export --branch-rules acme
expect_eq "$RC" 0 "exit code of the Cloud export"
expect_file out.csv want-cloud.csv "Cloud export --branch-rules"
expect_eq "$(stat_of branch_lists)" 6 "one branch list page per repository (6), none per project"
expect_eq "$(stat_of writes)" 0 "writes"
expect_eq "$(stat_of branch_writes)" 0 "branch writes"
expect_match "$(cat err.txt)" "export: 6 targets \(0 could not be read\), 7 rows" "summary"

# pages of one item: the same bytes, one page per restriction (at least one
# per repository)
config '{"max_pagelen": 1}'
before=$(stat_of branch_lists)
run_bb export --branch-rules -o paged.csv acme
expect_eq "$RC" 0 "exit code with pages of one"
expect_file paged.csv want-cloud.csv "export with pages of one item"
expect_eq "$(( $(stat_of branch_lists) - before ))" 8 "pages: 2 + 2 + 1 for each of the 4 repositories without a rule"
config '{"max_pagelen": 100}'

# a list that ends before the size it gives fails its repository
config '{"short_list": "/web/branch-restrictions"}'
run_bb export --branch-rules acme
expect_eq "$RC" 1 "exit code with a list that ends early"
expect_match "$(cat err.txt)" "cannot read acme/web" "the repository named"
grep -q '^acme,web,' out.csv && fail "rows of a repository whose list ended early"
grep -q '^acme,api,PROJ,main,push,admins' out.csv || fail "the other repositories' rows"
config '{"short_list": ""}'
state > state1.txt
expect_file state1.txt state0.txt "the server's state after the exports"
fakebb_stop

# Data Center: projects and repositories, the email beside a user, a
# repository that cannot be read named (exit 1)
. "$ROOT/tests/e2e/dclib.sh"
python3 -c "
import json; f = json.load(open('fx.json')); json.dump(f['datacenter'], open('dc.json', 'w'))"
dc_fixture < dc.json
dc_start || fail "fakebb did not start"
cat > want-dc.csv <<'CSV'
workspace,repo,project,branch,rule,group,user,privilege,value,email,access_keys
,tools,OPS,model:feature,no-creates,,,,,,
,,PRJ,*,read-only,admins,,,,,
,api,PRJ,main,pull-request-only,,jdoe,,,john@example.com,
,api,PRJ,release/*,fast-forward-only,,,,,,
CSV
RC=0
"$BBPERM" --base-url "$API" export --branch-rules > out.csv 2> err.txt || RC=$?
expect_eq "$RC" 1 "exit code of the Data Center export (PRJ/secret cannot be read)"
expect_file out.csv want-dc.csv "Data Center export --branch-rules"
expect_match "$(cat err.txt)" "cannot read PRJ/secret: 401" "the unreadable repository named"
expect_match "$(cat err.txt)" "export: 6 targets \(1 could not be read\), 4 rows" "summary"
expect_eq "$(stat_of branch_lists)" 5 "one page per readable target: 2 projects, 3 repositories"
expect_eq "$(stat_of branch_writes)" 0 "branch writes"
# one project alone
RC=0
"$BBPERM" --base-url "$API" export --branch-rules OPS > ops.csv 2> err.txt || RC=$?
expect_eq "$RC" 0 "exit code for OPS"
expect_eq "$(tail -n +2 ops.csv)" ",tools,OPS,model:feature,no-creates,,,,,," "OPS alone"
