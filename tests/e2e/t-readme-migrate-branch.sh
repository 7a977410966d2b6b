# Branch rules carried from Data Center to Cloud: the guide's "Branch rules"
# part of "Migrating from Data Center to Cloud" (docs/datacenter.md), run as
# written (its `bbperm ...` spans, in order, with the fake server's URLs),
# the cloud_group column added in between. Both flavours are served by one
# fake (the migration fixture with Data Center branch restrictions added,
# one for each line of the guide's table, and one Cloud restriction that is
# there already). The plan holds the Cloud rows exactly as the table says;
# applying it with --resume alone leaves Cloud's branch restrictions exactly
# as expected, and no Data Center name or rule reaches a Cloud write; a plan
# afterwards is unchanged; the undo file puts Cloud back. Then what is
# refused: no --workspace, a user without --map, removing an exemption
# Cloud does not have.
. "$(dirname "$0")/lib.sh"
python3 - "$ROOT/tests/e2e/data/migrate-fx.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
dc = f["datacenter"]
dc["access_keys"] = [{"id": 7, "label": "deploy"}]
R = lambda t, m, mt, **kw: dict(type=t, matcher={"id": m, "type": {"id": mt}}, **kw)
dc["branch_restrictions"] = [
    # read-only (exempt E) -> push (E) and restrict_merges (E); BRANCH -> glob of
    # the name; a key exempted -> named, not carried
    {"project": "PRJ", "repo": "api",
     "restriction": R("read-only", "refs/heads/main", "BRANCH", users=["jdoe"], groups=["qa+ops"],
                      accessKeyIds=[7])},
    # project row -> one per repository of PRJ in acme; ANY_REF -> *
    {"project": "PRJ", "restriction": R("pull-request-only", "ANY_REF_MATCHER_ID", "ANY_REF",
                                        groups=["developers"])},
    # fast-forward-only -> force, exemption dropped; PATTERN -> the glob
    {"project": "PRJ", "repo": "api",
     "restriction": R("fast-forward-only", "release/*", "PATTERN", users=["ann"])},
    # no-deletes -> delete, exemption dropped; MODEL_BRANCH -> branching_model
    {"project": "PRJ", "repo": "web",
     "restriction": R("no-deletes", "production", "MODEL_BRANCH", groups=["admins"])},
    # no-creates: invalid
    {"project": "OPS", "repo": "tools", "restriction": R("no-creates", "FEATURE", "MODEL_CATEGORY")},
    # a user without an email: invalid
    {"project": "OPS", "repo": "tools",
     "restriction": R("read-only", "refs/heads/develop", "BRANCH", users=["nomail"])},
    # a project row with no exemption; MODEL_CATEGORY -> branching_model; OPS
    # in acme has a repository Data Center does not (cloud-only)
    {"project": "OPS", "restriction": R("read-only", "RELEASE", "MODEL_CATEGORY")},
    # a tag: Cloud restricts branches only
    {"project": "PRJ", "repo": "web",
     "restriction": R("fast-forward-only", "refs/tags/v1", "BRANCH")},
]
f["branch_restrictions"] = [{"workspace": "acme", "repository": "api", "restriction":
    {"kind": "push", "pattern": "main", "users": [], "groups": [{"slug": "admins"}]}}]
json.dump(f, open("fx.json", "w"), indent=1)
PY
FAKEBB_FIXTURE=$PWD/fx.json
fakebb_start --log $PWD/requests.log
cloud_branch() { state | awk -F'\t' '$1=="branch" && $2=="acme"' | sort; }
cloud_branch > cloud0.txt

python3 - "$ROOT/docs/datacenter.md" > steps.txt <<'PY'
import re, sys
text = open(sys.argv[1]).read()
sec = text[text.index("## Migrating from Data Center to Cloud"):]
sec = sec[sec.index("\n### Branch rules"):]
end = re.search(r"\n##+ ", sec[5:])
sec = sec if not end else sec[:end.start() + 5]
for span in re.findall(r"`([^`]+)`", sec.replace("\n   ", " ")):
    if span.startswith(("bbperm ", "BITBUCKET_TOKEN=")):
        print(span)
PY
expect_eq "$(grep -c '' steps.txt)" 4 "commands in the walkthrough ($(cat steps.txt))"

# run_step N: the guide's command N, against the fake server
run_step() {
  local cmd
  cmd=$(sed -n "$1p" steps.txt)
  cmd=${cmd//https:\/\/bb.example.com/$FAKEBB_URL}
  if [[ $cmd == BITBUCKET_TOKEN=* ]]; then
    cmd=${cmd#BITBUCKET_TOKEN=... }
    cmd="env -u BITBUCKET_EMAIL -u BITBUCKET_API_TOKEN BITBUCKET_TOKEN=dc-token-123 $cmd"
  else
    cmd=${cmd/#bbperm /bbperm --base-url $FAKEBB_URL }
  fi
  echo "step: $cmd"
  RC=0
  eval "${cmd/bbperm/\"\$BBPERM\"}" > stdout.txt 2> err.txt || RC=$?
}

# 1. export Data Center's branch rules: email and access_keys columns
run_step 1
expect_eq "$RC" 0 "exit code of the export ($(cat err.txt))"
cat > want-dc.csv <<'CSV'
workspace,repo,project,branch,rule,group,user,privilege,value,email,access_keys
,,OPS,model:release,read-only,,,,,,
,tools,OPS,develop,read-only,,nomail,,,,
,tools,OPS,model:feature,no-creates,,,,,,
,,PRJ,*,pull-request-only,developers,,,,,
,api,PRJ,main,read-only,qa+ops,,,,,7
,api,PRJ,main,read-only,,jdoe,,,john@example.com,7
,api,PRJ,release/*,fast-forward-only,,ann,,,Ann@Example.com,
,web,PRJ,model:production,no-deletes,admins,,,,,
,web,PRJ,refs/tags/v1,fast-forward-only,,,,,,
CSV
expect_file dc-branch.csv want-dc.csv "the Data Center export"

# 2. the renamed groups: a cloud_group column
python3 - <<'PY'
import csv
rows = list(csv.DictReader(open("dc-branch.csv", newline="")))
rename = {"qa+ops": "qa-ops", "ops team": "ops-team"}
with open("dc-branch.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]) + ["cloud_group"], lineterminator="\n")
    w.writeheader()
    for r in rows:
        r["cloud_group"] = rename.get(r["group"], r["group"])
        w.writerow(r)
PY

# 3. plan: the Cloud rows of the table
run_step 2
expect_eq "$RC" 1 "exit code of the plan (invalid rows) ($(tail -1 err.txt))"
expect_eq "$(stat_of branch_writes)" 0 "writes of the plan"
K="Data Center access keys 7 are not carried (Cloud exempts users and groups only)"
cat > want-plan.csv <<CSV
workspace,repo,project,branch,rule,group,user,privilege,value,email,access_keys,cloud_group,status,http_status,attempts,message,previous
acme,cloud-only,OPS,model:release,push,,,,,,,,planned,,0,create push on model:release,absent
acme,tools,OPS,model:release,push,,,,,,,,planned,,0,create push on model:release,absent
acme,cloud-only,OPS,model:release,restrict_merges,,,,,,,,planned,,0,create restrict_merges on model:release,absent
acme,tools,OPS,model:release,restrict_merges,,,,,,,,planned,,0,create restrict_merges on model:release,absent
acme,tools,OPS,develop,read-only,,,,,,,,invalid,,0,"line 3: email: empty: the Data Center user 'nomail' has no email to carry them by (the user column, by --map); fill in their address, or leave the row out",
acme,tools,OPS,model:feature,no-creates,,,,,,,,invalid,,0,line 4: rule: no-creates is not carried: Cloud has no branch-creation restriction,
acme,api,PRJ,*,push,developers,,,,,,developers,planned,,0,create push on * with group developers,absent
acme,web,PRJ,*,push,developers,,,,,,developers,planned,,0,create push on * with group developers,absent
acme,api,PRJ,main,push,qa-ops,,,,,7,qa-ops,planned,,0,add group qa-ops to push on main; $K,not listed
acme,api,PRJ,main,restrict_merges,qa-ops,,,,,7,qa-ops,planned,,0,create restrict_merges on main with group qa-ops; $K,absent
acme,api,PRJ,main,push,,john@example.com,,,john@example.com,7,,planned,,0,add user 557058:john to push on main; john@example.com is account 557058:john; $K,not listed
acme,api,PRJ,main,restrict_merges,,john@example.com,,,john@example.com,7,,planned,,0,add user 557058:john to restrict_merges on main; john@example.com is account 557058:john; $K,not listed
acme,api,PRJ,release/*,force,,,,,,,,planned,,0,create force on release/*; the exemption of user ann is dropped: Cloud's force exempts no one,absent
acme,web,PRJ,model:production,delete,,,,,,,,planned,,0,create delete on model:production; the exemption of group admins is dropped: Cloud's delete exempts no one,absent
acme,web,PRJ,refs/tags/v1,fast-forward-only,,,,,,,,invalid,,0,"line 10: branch: Cloud restricts branches only, not refs/tags/v1",
CSV
expect_file branch-plan.csv want-plan.csv "the plan: the table's Cloud rows"
expect_match "$(tail -1 err.txt)" "plan: 12 to grant, 0 to change, 0 to revoke, 0 unchanged, 0 failed, 3 invalid" "plan summary"

# 4. apply the plan: --resume alone
run_step 3
expect_eq "$RC" 1 "exit code of the apply (the invalid rows) ($(tail -1 err.txt))"
expect_eq "$(stat_of branch_writes)" 12 "writes of the apply: one per planned row"
expect_eq "$(csv_col branch-applied.csv status | sort | uniq -c | tr -s ' ')" " 3 invalid
 12 ok" "apply statuses"
# one Cloud write per planned row, none to Data Center; the rows sent are
# Cloud's (the state below shows the names Cloud got)
expect_eq "$(awk -F'\t' '$3 ~ /^(POST|PUT|DELETE)$/ && $4 ~ /^branch-restrictions?\|acme\|/' requests.log | grep -c '')" 12 "Cloud writes in the log"
expect_eq "$(awk -F'\t' '$3 ~ /^(POST|PUT|DELETE)$/ && $4 ~ /\|dc\|/' requests.log | grep -c '')" 0 "Data Center writes in the log"
expect_eq "$(python3 -c "
import csv
print(sorted({r['rule'] for r in csv.DictReader(open('branch-applied.csv')) if r['status'] == 'ok'}))")" "['delete', 'force', 'push', 'restrict_merges']" "rules of the rows applied"
cloud_branch > cloud1.txt
printf '%s\n' \
  $'branch\tacme\tapi\tforce\tglob:release/*\tvalue=-\tusers=\tgroups=\tkeys=' \
  $'branch\tacme\tapi\tpush\tglob:*\tvalue=-\tusers=\tgroups=developers\tkeys=' \
  $'branch\tacme\tapi\tpush\tglob:main\tvalue=-\tusers=557058:john\tgroups=admins,qa-ops\tkeys=' \
  $'branch\tacme\tapi\trestrict_merges\tglob:main\tvalue=-\tusers=557058:john\tgroups=qa-ops\tkeys=' \
  $'branch\tacme\tcloud-only\tpush\tmodel:release\tvalue=-\tusers=\tgroups=\tkeys=' \
  $'branch\tacme\tcloud-only\trestrict_merges\tmodel:release\tvalue=-\tusers=\tgroups=\tkeys=' \
  $'branch\tacme\ttools\tpush\tmodel:release\tvalue=-\tusers=\tgroups=\tkeys=' \
  $'branch\tacme\ttools\trestrict_merges\tmodel:release\tvalue=-\tusers=\tgroups=\tkeys=' \
  $'branch\tacme\tweb\tdelete\tmodel:production\tvalue=-\tusers=\tgroups=\tkeys=' \
  $'branch\tacme\tweb\tpush\tglob:*\tvalue=-\tusers=\tgroups=developers\tkeys=' > want-cloud.txt
expect_file cloud1.txt want-cloud.txt "Cloud's branch restrictions after the apply"

# afterwards: every carried row unchanged
run_step 4
expect_eq "$RC" 1 "exit code of the plan afterwards"
expect_eq "$(grep -c ',ok,,0,unchanged' stdout.txt)" 12 "rows unchanged afterwards"
expect_eq "$(stat_of branch_writes)" 12 "writes after the plan afterwards"

# the undo file puts Cloud back
RC=0
"$BBPERM" --base-url "$FAKEBB_URL" -o undone.csv branch-undo.csv 2>err.txt || RC=$?
expect_eq "$RC" 0 "exit code of the undo ($(tail -1 err.txt))"
cloud_branch > cloud2.txt
expect_file cloud2.txt cloud0.txt "Cloud's branch restrictions after the undo"
w=$(stat_of branch_writes)

# ---- refused --------------------------------------------------------------
# no --workspace: every Data Center row invalid, saying how to carry it
run_bb plan --map user=email dc-branch.csv
expect_eq "$RC" 1 "exit code without --workspace"
expect_eq "$(csv_col out.csv status | sort -u)" "invalid" "rows without --workspace"
expect_match "$(csv_col out.csv message | sed -n 1p)" "^line 2: rule: read-only is a Data Center rule; to carry Data Center branch rules to Cloud, give --workspace W \(and --map user=email\): see docs/datacenter.md; Cloud's rules are push, delete, force, restrict_merges, .*\.\.\.$" "the message without --workspace"
# a user without --map: a Data Center username is not sent to Cloud
run_bb plan --workspace acme dc-branch.csv
expect_eq "$RC" 1 "exit code without --map user"
expect_match "$(grep ',jdoe,' out.csv)" "invalid,,0,line 7: user: 'jdoe' is a Data Center username; carry users to Cloud by email: --map user=email \(the export's email column\)," "a username without --map"
expect_eq "$(grep ',qa+ops,' out.csv | sed -n 1p)" "acme,api,PRJ,main,push,qa+ops,,,,,7,qa-ops,planned,,0,add group qa+ops to push on main; $K,not listed" "a group by its name without --map"
# removing an exemption a Cloud kind does not have: invalid, not a deletion
cat > remove.csv <<'CSV'
workspace,repo,project,branch,rule,group,user,privilege,value,email
,api,PRJ,release/*,fast-forward-only,,ann,none,,ann@example.com
,api,PRJ,release/*,fast-forward-only,,,none,,
CSV
run_bb plan --workspace acme --map user=email remove.csv
expect_eq "$RC" 1 "exit code of the removals"
expect_match "$(sed -n 2p out.csv)" "invalid,,0,line 2: email: removing the exemption of user ann from fast-forward-only has nothing to carry: Cloud's force exempts no one," "removing an exemption"
expect_match "$(sed -n 3p out.csv)" "^acme,api,PRJ,release/\*,force,,,none,,,ok,,0,unchanged,absent$" "removing the rule (undone: absent)"
expect_eq "$(stat_of branch_writes)" "$w" "writes of the refused plans: none"
