# --resume-from EARLIER INPUT skips the branch rows that were ok in the
# earlier run, as it skips permission rows ("ok in the earlier run; not
# sent again"): no read, no write for them, even where the state moved
# since; each kind's rows are matched by their own key (target,
# restriction, subject, add or remove, value), so a branch row never
# stands for a permission row of the same group, nor the reverse.
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
# --resume-from: branch rows ok in the earlier run are not sent again
reset
cat > res.csv <<'CSV'
workspace,repo,project,branch,rule,group,user,privilege,value,note
acme,api,,main,push,developers,,,,R-1
acme,web,,main,restrict_merges,,,,,R-2
acme,web,,,,developers,,write,,R-3
acme,api,,main,push,nosuchgroup,,,,R-4
CSV
run_bb -o run1.csv res.csv
expect_eq "$(csv_col run1.csv status | paste -sd,)" "ok,ok,ok,failed" "the first run"
# the state moves after the first run: a row sent again would write
reset
b0=$(stat_of branch_writes); l0=$(stat_of branch_lists); w0=$(stat_of writes)
run_bb --resume-from run1.csv -o run2.csv res.csv
expect_eq "$(csv_col run2.csv status | paste -sd,)" "ok,ok,ok,failed" "--resume-from: statuses"
expect_eq "$(csv_col run2.csv message | grep -c 'ok in the earlier run; not sent again')" 3 "--resume-from: branch rows marked as permission rows are"
expect_eq "$(($(stat_of branch_writes) - b0))" 1 "--resume-from: only the failed branch row is sent again"
expect_eq "$(($(stat_of writes) - w0))" 0 "--resume-from: no write sent again"
expect_eq "$(($(stat_of branch_lists) - l0))" 1 "--resume-from: only the failed row's repository is read"
# a permission row of the same group never stands for a branch row
printf 'workspace,repo,project,branch,rule,group,user,privilege,value\nacme,web,,main,push,developers,,,\n' > other.csv
run_bb --resume-from run1.csv -o run3.csv other.csv
expect_eq "$RC" 2 "--resume-from of another input: exit 2 ($(cat err.txt))"
