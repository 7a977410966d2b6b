# A reviewed plan of branch rules is applied as reviewed, as a permission
# plan is (t-stale.sh): each planned or unchanged branch row's `previous`
# is compared, before any write, with what its restriction (read once)
# gives after the plan's earlier rows of it. A subject added by hand
# between plan and apply makes the plan stale: nothing is sent, exit 1,
# the rows named, plain and with --resume; a plan that is not stale
# applies (branch rows alone, and mixed with permission rows).
. "$(dirname "$0")/lib.sh"

python3 - "$ROOT/tests/fakebb/fixture.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
f['branch_restrictions'] = [
    {"workspace": "acme", "repository": "api",
     "restriction": {"kind": "push", "pattern": "main",
                     "users": [{"account_id": "557058:ann"}], "groups": [{"slug": "admins"}]}},
    {"workspace": "acme", "repository": "api",
     "restriction": {"kind": "require_approvals_to_merge", "branch_match_kind": "branching_model",
                     "branch_type": "production", "value": 2}}]
json.dump(f, open('fx.json', 'w'), indent=1)
PY
FAKEBB_FIXTURE=$PWD/fx.json fakebb_start || fail "fakebb did not start"
reset() { curl -sf -X POST "$FAKEBB_URL/_reset" > /dev/null || fail "_reset"; }
branch_state() { state | grep '^branch' | sort; }
# by_hand REPO KIND PATTERN GROUP: add a group to a restriction behind the plan's back
by_hand() {
  python3 - "$FAKEBB_URL" "$@" <<'PY' || fail "hand change $*"
import base64, json, sys, urllib.request
url, repo, kind, pattern, group = sys.argv[1:6]
auth = 'Basic ' + base64.b64encode(b'admin@example.com:s3cret-token').decode()
def call(method, path, body=None):
    req = urllib.request.Request(url + path, method=method, data=body and json.dumps(body).encode(),
                                 headers={'Authorization': auth, 'Content-Type': 'application/json'})
    return json.load(urllib.request.urlopen(req))
base = '/2.0/repositories/acme/%s/branch-restrictions' % repo
r = [v for v in call('GET', base)['values'] if v['kind'] == kind and v.get('pattern') == pattern][0]
groups = [{'slug': g['slug']} for g in r['groups']] + [{'slug': group}]
users = [{'uuid': u['uuid']} for u in r['users']]
call('PUT', '%s/%d' % (base, r['id']), {'kind': kind, 'pattern': pattern, 'users': users, 'groups': groups})
PY
}

# rows of one restriction: the second row saw what the first leaves
cat > in.csv <<'CSV'
workspace,repo,project,branch,rule,group,user,privilege,value,note
acme,api,,main,push,developers,,,,B-1
acme,api,,main,push,developers,,none,,B-2
acme,api,,main,push,contractors,,,,B-3
acme,api,,model:production,require_approvals_to_merge,,,,3,B-4
acme,api,,main,push,admins,,,,B-5
acme,web,,main,restrict_merges,,,,,B-6
CSV
run_bb plan -o plan.csv in.csv
expect_eq "$RC" 0 "plan exit"
expect_eq "$(csv_col plan.csv previous | paste -sd,)" "not listed,listed,not listed,present value 2,listed,absent" "the plan's previous"
expect_eq "$(csv_col plan.csv status | paste -sd,)" "planned,planned,planned,planned,ok,planned" "the plan's statuses"
branch_state > start.txt

# the live state moves: contractors is added to push on main by hand
by_hand api push main contractors
branch_state > moved.txt
for how in plain resume; do
  w0=$(stat_of branch_writes)
  if [ $how = plain ]; then run_bb -o applied.csv plan.csv
  else run_bb --resume -o applied.csv --undo-file undo.csv plan.csv; fi
  expect_eq "$RC" 1 "stale branch plan ($how): exit"
  expect_eq "$(stat_of branch_writes)" "$w0" "stale branch plan ($how): nothing sent"
  branch_state > now.txt
  expect_file now.txt moved.txt "stale branch plan ($how): state unchanged"
  expect_match "$(cat err.txt)" "the plan in plan.csv is stale: 1 of its 6 rows" "stale branch plan ($how): stderr says so"
  expect_match "$(cat err.txt)" "stale: line 4: acme/api push on main group contractors: the plan saw not listed, it finds listed now" "stale branch plan ($how): the row named"
  [ -e applied.csv ] || [ -e applied.csv.partial ] && fail "stale branch plan ($how): no result written"
  [ -e undo.csv ] && fail "stale branch plan ($how): no undo file left"
done

# the unchanged row is checked too: admins taken out by hand
reset
printf 'workspace,repo,project,branch,rule,group,user,privilege,value\nacme,api,,main,push,admins,,,\n' > keep.csv
run_bb plan -o keep-plan.csv keep.csv
expect_eq "$(csv_col keep-plan.csv status),$(csv_col keep-plan.csv message)" "ok,unchanged" "an unchanged plan"
printf 'workspace,repo,project,branch,rule,group,user,privilege,value\nacme,api,,main,push,admins,,none,\n' > rm.csv
run_bb -o rm-out.csv rm.csv
expect_eq "$RC" 0 "admins removed by another run"
w0=$(stat_of branch_writes)
run_bb -o applied.csv keep-plan.csv
expect_eq "$RC" 1 "an unchanged branch row that no longer holds: exit"
expect_eq "$(stat_of branch_writes)" "$w0" "an unchanged branch row that no longer holds: nothing sent"
expect_match "$(cat err.txt)" "line 2: acme/api push on main group admins: the plan saw listed, it finds not listed now" "unchanged row named"

# re-plan and apply: not stale, applied as planned, one write per planned row
reset
by_hand api push main contractors
run_bb plan -o plan2.csv in.csv
w0=$(stat_of branch_writes)
run_bb --resume -o applied2.csv plan2.csv
expect_eq "$RC" 0 "a branch plan that is not stale applies: $(cat err.txt)"
expect_eq "$(($(stat_of branch_writes) - w0))" "$(csv_col plan2.csv status | grep -c planned)" "one write per planned row"
run_bb plan -o replan.csv in.csv
expect_eq "$(csv_col replan.csv previous | paste -sd,)" "not listed,listed,listed,present value 3,listed,present" "applied as planned: what a re-plan finds"

# a mixed plan: permission and branch rows; stale by its branch row alone
reset
cat > mixed.csv <<'CSV'
workspace,repo,project,branch,rule,group,user,privilege,value
acme,web,,,,developers,,write,
acme,api,,main,push,old-team,,,
CSV
run_bb plan -o mixed-plan.csv mixed.csv
expect_eq "$(csv_col mixed-plan.csv status | paste -sd,)" "planned,planned" "the mixed plan"
by_hand api push main old-team
w0=$(stat_of writes); b0=$(stat_of branch_writes)
run_bb -o applied3.csv mixed-plan.csv
expect_eq "$RC" 1 "a mixed plan stale by its branch row: exit"
expect_eq "$(stat_of writes),$(stat_of branch_writes)" "$w0,$b0" "a mixed plan stale by its branch row: no write at all"
expect_match "$(cat err.txt)" "line 3: acme/api push on main group old-team: the plan saw not listed, it finds listed now" "the branch row named"
# not stale: both kinds applied
reset
run_bb plan -o mixed-plan.csv mixed.csv
w0=$(stat_of writes); b0=$(stat_of branch_writes)
run_bb -o applied3.csv mixed-plan.csv
expect_eq "$RC" 0 "a mixed plan that is not stale applies: $(cat err.txt)"
expect_eq "$(($(stat_of writes) - w0)),$(($(stat_of branch_writes) - b0))" "1,1" "a mixed plan: one write per row (permission, branch rule)"

