# --markdown of a file that mixes permission and branch rows (Cloud): the
# counts one line per kind, the permission changes, the branch rule changes
# in their own section (per target: restrictions created, subjects added
# and removed, a value set, a restriction deleted, with the plan's or the
# apply's status), and the failed and invalid rows of both kinds in the one
# failures table. Then the apply's report, and a re-run's (nothing changes).
. "$(dirname "$0")/lib.sh"

python3 - "$ROOT/tests/fakebb/fixture.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
f['workspaces']['acme']['forbidden'] = f['workspaces']['acme'].get('forbidden', []) + ['infra']
f['branch_restrictions'] = [
    {"workspace": "acme", "repository": "api",
     "restriction": {"kind": "push", "pattern": "main",
                     "users": [{"account_id": "557058:ann"}], "groups": [{"slug": "admins"}]}},
    {"workspace": "acme", "repository": "api",
     "restriction": {"kind": "require_approvals_to_merge", "branch_match_kind": "branching_model",
                     "branch_type": "production", "value": 2}},
    {"workspace": "acme", "repository": "web", "restriction": {"kind": "delete", "pattern": "release/*"}}]
json.dump(f, open('fx.json', 'w'), indent=1)
PY
FAKEBB_FIXTURE=$PWD/fx.json fakebb_start || fail "fakebb did not start"

cat > in.csv <<'CSV'
workspace,repo,project,branch,rule,group,user,privilege,value,ticket
acme,api,,main,push,developers,,,,T-1
acme,api,,,,developers,,write,,T-2
acme,api,,main,push,,557058:bob,,,T-3
acme,api,,main,push,admins,,none,,T-4
acme,api,,model:production,require_approvals_to_merge,,,,3,T-5
acme,web,,release/*,delete,,,none,,T-6
acme,web,,main,restrict_merges,,,,,T-7
acme,web,,main,push,,557058:ann,,,T-8
acme,api,,main,push,,557058:ann,,,T-9
acme,api,,main,nope,,,,,T-10
acme,infra,,main,push,developers,,,,T-11
acme,web,,,,old-team,,read,,T-12
acme,web,,,,old-team,,writ,,T-13
CSV

# what both reports hold below the counts: the changes, then the failures
changes() {
  cat <<MD
### Permission changes

#### acme/api

| subject | previous | new | ticket | status |
|---|---|---|---|---|
| developers | none | write | T-2 | $1 |

#### acme/web

| subject | previous | new | ticket | status |
|---|---|---|---|---|
| old-team | write | read | T-12 | $1 |

### Branch rule changes

#### acme/api

| branch | rule | change | subject | value | previous | ticket | status |
|---|---|---|---|---|---|---|---|
| main | push | add group | developers |  | not listed | T-1 | $1 |
| main | push | add user | 557058\:bob |  | not listed | T-3 | $1 |
| main | push | remove group | admins |  | listed | T-4 | $1 |
| model\:production | require\_approvals\_to\_merge | set value |  | 3 | present value 2 | T-5 | $1 |

#### acme/web

| branch | rule | change | subject | value | previous | ticket | status |
|---|---|---|---|---|---|---|---|
| release/\* | delete | delete |  |  | present | T-6 | $1 |
| main | restrict\_merges | create |  |  | absent | T-7 | $1 |
| main | push | create with user | 557058\:ann |  | absent | T-8 | $1 |

MD
}
failures() {
  cat <<'MD'
### Failed, invalid and held rows

| target | subject | privilege or rule | ticket | status | message |
|---|---|---|---|---|---|
MD
  printf '%s\n' "| acme/api |  | nope on main | T-10 | invalid | line 11\\: rule\\: \\'nope\\' is not a branch rule of Cloud\\; it has\\: push\\, delete\\, force\\, "
  printf '%s\n' "| acme/infra | developers | push on main | T-11 | failed | cannot read the branch restrictions of acme/infra\\: You must be an administrator of repository \\'infra\\' to manage its branch restrictions |"
  printf '%s\n' "| acme/web | old-team | writ | T-13 | invalid | line 14\\: privilege\\: \\'writ\\' is not one of read\\, write\\, admin\\, create-repo\\, none\\, revoke \\(or REPO\\_READ\\, REPO\\_WRITE\\, REPO\\_ADMIN\\, PROJECT\\_READ\\, PROJECT\\_WRITE\\, PROJECT\\_ADMIN\\, REPO\\_CREATE\\) |"
  echo
}
# the invalid rule's message lists every Cloud rule: compared up to force
cut_rules() { sed -E 's/(is not a branch rule of Cloud\\; it has\\: push\\, delete\\, force\\, ).*/\1/' "$1"; }

# ---- plan ---------------------------------------------------------------
run_bb plan --markdown plan.md in.csv
expect_eq "$RC" 1 "plan exit (a failed and two invalid rows)"
expect_eq "$(stat_of branch_writes)" 0 "plan writes"
{
  printf '## bbperm plan\n\n'
  printf '| kind | to grant | to change | to revoke | unchanged | failed | invalid | held |\n'
  printf '|---|---:|---:|---:|---:|---:|---:|---:|\n'
  printf '| permissions | 1 | 1 | 0 | 0 | 0 | 1 | 0 |\n'
  printf '| branch rules | 4 | 1 | 2 | 1 | 1 | 1 | 0 |\n\n'
  changes planned
  failures
} > want-plan.md
cut_rules plan.md > plan-cut.md
expect_file plan-cut.md want-plan.md "the plan's report"
expect_match "$(cat err.txt)" "plan: 5 to grant, 2 to change, 2 to revoke, 1 unchanged, 1 failed \(403 x1\), 2 invalid" \
  "the report's counts add up to the run's"

# ---- apply (--diff: the permission rows say what they change too) ---------
run_bb --diff --markdown applied.md -o applied.csv in.csv
expect_eq "$RC" 1 "apply exit"
expect_eq "$(stat_of branch_writes)" 7 "apply: one write per changing branch row"
{
  printf '## bbperm apply\n\n'
  printf '| kind | granted | changed | revoked | unchanged | failed | invalid | held | cancelled |\n'
  printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|\n'
  printf '| permissions | 1 | 1 | 0 | 0 | 0 | 1 | 0 | 0 |\n'
  printf '| branch rules | 4 | 1 | 2 | 1 | 1 | 1 | 0 | 0 |\n\n'
  changes ok
  failures
} > want-applied.md
cut_rules applied.md > applied-cut.md
expect_file applied-cut.md want-applied.md "the apply's report"

# ---- a re-run: nothing changes; the failures stay --------------------------
run_bb --diff --markdown rerun.md -o rerun.csv in.csv
expect_eq "$RC" 1 "re-run exit"
expect_eq "$(stat_of branch_writes)" 7 "re-run: no write"
{
  printf '## bbperm apply\n\n'
  printf '| kind | granted | changed | revoked | unchanged | failed | invalid | held | cancelled |\n'
  printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|\n'
  printf '| permissions | 0 | 0 | 0 | 2 | 0 | 1 | 0 | 0 |\n'
  printf '| branch rules | 0 | 0 | 0 | 8 | 1 | 1 | 0 | 0 |\n\n'
  failures
} > want-rerun.md
cut_rules rerun.md > rerun-cut.md
expect_file rerun-cut.md want-rerun.md "the re-run's report"
exit 0
