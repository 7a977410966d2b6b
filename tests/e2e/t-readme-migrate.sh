# The guide's "Migrating from Data Center to Cloud" (docs/datacenter.md), run
# as written: its commands are read from the guide (in order, `bbperm ...` spans of that
# section), with the fake server's URLs for the example hosts and without
# --rate; step 3's column is added to dc.csv in between. The plan is applied
# with --resume alone: the plan holds the cells as they were read (workspace
# filled in, the user's email, the Cloud group), so no Data Center name
# reaches Cloud and no option has to be given again.
. "$(dirname "$0")/lib.sh"
FAKEBB_FIXTURE=$ROOT/tests/e2e/data/migrate-fx.json   # both sides, one fake
fakebb_start --log $PWD/requests.log
state | awk -F'\t' '$2=="acme"' > cloud0.txt

python3 - "$ROOT/docs/datacenter.md" > steps.txt <<'PY'
import re, sys
text = open(sys.argv[1]).read()
sec = text[text.index("## Migrating from Data Center to Cloud"):]
end = re.search(r"\n##+ ", sec[5:])      # its branch rules part: t-readme-migrate-branch
sec = sec if not end else sec[:end.start() + 5]
for span in re.findall(r"`([^`]+)`", sec.replace("\n   ", " ")):
    if span.startswith(("bbperm ", "BITBUCKET_TOKEN=")):
        print(span)
PY
expect_eq "$(grep -c '' steps.txt)" 4 "commands in the walkthrough ($(cat steps.txt))"

# run_step N: the README's command N, against the fake server
run_step() {
  local cmd
  cmd=$(sed -n "$1p" steps.txt)
  cmd=${cmd//https:\/\/bb.example.com/$FAKEBB_URL}
  cmd=${cmd// --rate 1000\/h/}
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

# 1. export Data Center
run_step 1
expect_eq "$RC" 0 "exit code of the export ($(cat err.txt))"
expect_eq "$(($(wc -l < dc.csv) - 1))" 12 "exported rows"

# 3. the renamed groups: a cloud_group column in dc.csv
python3 - <<'PY'
import csv
rows = list(csv.DictReader(open("dc.csv", newline="")))
rename = {"qa+ops": "qa-ops", "ops team": "ops-team"}
with open("dc.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]) + ["cloud_group"], lineterminator="\n")
    w.writeheader()
    for r in rows:
        r["cloud_group"] = rename.get(r["group"], r["group"])
        w.writerow(r)
PY

# 4. plan
run_step 2
expect_eq "$RC" 1 "exit code of the plan (the user without an email) ($(cat err.txt))"
expect_eq "$(stat_of writes)" 0 "writes of the plan"
expect_eq "$(csv_col plan.csv status | sort | uniq -c | tr -s ' ')" " 1 invalid
 1 ok
 10 planned" "plan statuses"

# 5. apply the plan: --resume alone
run_step 3
expect_eq "$RC" 1 "exit code of the apply ($(cat err.txt))"
expect_eq "$(stat_of writes)" 10 "writes of the apply: the planned rows"
expect_eq "$(csv_col applied.csv status | sort | uniq -c | tr -s ' ')" " 1 invalid
 11 ok" "apply statuses"
# no Data Center name reached a Cloud write
expect_eq "$(grep -v '/rest/' requests.log | grep -E '^(PUT|DELETE)|[ ](PUT|DELETE) ' | grep -ci 'ops%20team\|qa%2Bops\|jdoe\|/dc/\|nomail')" 0 "Data Center names in Cloud writes"
expect_eq "$(grep -v '/rest/' requests.log | grep -cE '(PUT|DELETE)')" 10 "Cloud writes in the log"

# Cloud holds Data Center's permissions (but the user without an email's)
state > state.txt
python3 - "$FAKEBB_FIXTURE" <<'PY'
import json, sys
fx = json.load(open(sys.argv[1]))
email = {u["name"]: u.get("emailAddress", "").lower() for u in fx["datacenter"]["users"]}
account = {u["email"]: u["account_id"] for u in fx["workspaces"]["acme"]["users"]}
rename = {"qa+ops": "qa-ops", "ops team": "ops-team"}
want, got = [], []
for line in open("state.txt"):
    kind, ws, target, sk, subj, perm = line.rstrip("\n").split("\t")
    if ws == "dc":
        if sk == "user":
            if not email[subj]:
                continue
            subj = account[email[subj]]
        else:
            subj = rename.get(subj, subj)
        want.append("\t".join([kind, "acme", target.split("/")[-1], sk, subj, perm]))
    elif ws == "acme":
        got.append(line.rstrip("\n"))
open("want-cloud.txt", "w").write("".join(x + "\n" for x in sorted(want)))
open("cloud.txt", "w").write("".join(x + "\n" for x in sorted(got)))
PY
expect_file cloud.txt want-cloud.txt "Cloud permissions against Data Center's"

# afterwards: every row unchanged
run_step 4
expect_eq "$RC" 1 "exit code of the plan afterwards"
expect_eq "$(grep -c ',ok,,0,unchanged' stdout.txt)" 11 "rows unchanged afterwards"
expect_eq "$(stat_of writes)" 10 "writes after the plan afterwards"

# the undo file puts Cloud back
RC=0
"$BBPERM" --base-url "$FAKEBB_URL" -o undone.csv undo.csv 2>err.txt || RC=$?
expect_eq "$RC" 0 "exit code of the undo ($(tail -1 err.txt))"
state | awk -F'\t' '$2=="acme"' > cloud1.txt
expect_file cloud1.txt cloud0.txt "Cloud permissions after the undo"
