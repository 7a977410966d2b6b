# Migrating from Data Center to Cloud (the walkthrough of docs/datacenter.md), both sides
# served by one fake: export the Data Center side; add a 'cloud_group'
# column for the groups renamed in Cloud (qa+ops -> qa-ops, 'ops team' ->
# ops-team); plan against the Cloud workspace with
# --workspace acme --map user=email,group=cloud_group; apply the plan with
# --resume and --undo-file. Then the Cloud workspace holds exactly the Data
# Center permissions (repositories by slug, projects by key, users by the
# account their email resolves to, case-insensitively), except the user
# without an email, whose row is invalid and names the 'email' column. A plan
# afterwards shows every row unchanged; the undo file puts Cloud back.
. "$(dirname "$0")/lib.sh"
FAKEBB_FIXTURE=$ROOT/tests/e2e/data/migrate-fx.json   # both sides, one fake
fakebb_start
state | awk -F'\t' '$2=="acme"' > cloud0.txt
dc() { env -u BITBUCKET_EMAIL -u BITBUCKET_API_TOKEN BITBUCKET_TOKEN=dc-token-123 "$BBPERM" "$@"; }
cloud() { "$BBPERM" "$@"; }                        # lib.sh's Cloud credentials
# shellcheck disable=SC2054  # the comma is part of the --map value
MAP=(--workspace acme --map user=email,group=cloud_group)

# 1. export Data Center
RC=0
dc export --base-url "$FAKEBB_URL/rest/api/latest" -o dc.csv 2>err.txt || RC=$?
expect_eq "$RC" 0 "exit code of the Data Center export ($(cat err.txt))"
expect_eq "$(grep -c 'cannot\|more than one project' err.txt)" 0 "export warnings"
expect_eq "$(($(wc -l < dc.csv) - 1))" 12 "exported rows"

# 3. the renamed groups: a column with the Cloud slug
python3 - <<'PY'
import csv
rows = list(csv.DictReader(open("dc.csv", newline="")))
rename = {"qa+ops": "qa-ops", "ops team": "ops-team"}
with open("dc-cloud.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]) + ["cloud_group"], lineterminator="\n")
    w.writeheader()
    for r in rows:
        r["cloud_group"] = rename.get(r["group"], r["group"])
        w.writerow(r)
PY

# 4. plan against Cloud
RC=0
cloud plan --base-url "$FAKEBB_URL" "${MAP[@]}" -o plan.csv dc-cloud.csv 2>err.txt || RC=$?
expect_eq "$RC" 1 "exit code of the plan (the user without an email)"
expect_eq "$(stat_of writes)" 0 "writes of the plan"
nomail=$(grep ',No Mail,' plan.csv)
expect_match "$nomail" ',invalid,,0,"?line [0-9]+: email: ' "the user without an email: invalid, naming the email column"
expect_eq "$(csv_col plan.csv status | sort | uniq -c | tr -s ' ')" " 1 invalid
 1 ok
 10 planned" "plan statuses"
expect_match "$(grep ',developers,,write,' plan.csv | grep ',,PRJ,')" ',planned,,0,change read to write,read$' "the project permission Cloud has already"
expect_match "$(grep ',web,PRJ,admins,' plan.csv)" ',ok,,0,unchanged,admin$' "the permission both sides have"
expect_match "$(grep ',api,PRJ,,Ann@Example.com,' plan.csv)" 'planned,,0,grant admin; Ann@Example.com is account 557058:ann,none$' "a Data Center email in another case"
expect_match "$(tail -1 err.txt)" "plan: 9 to grant, 1 to change, 0 to revoke, 1 unchanged, 0 failed, 1 invalid" "plan summary"

# the plan holds the cells as read: the user column the email, the group
# column the Cloud group, the workspace filled in; no Data Center name is left
# in a role column
python3 - <<'PY' || fail "role cells of the plan"
import csv
for r in csv.DictReader(open("plan.csv", newline="")):
    assert r["workspace"] == "acme", r
    assert r["user"] == r["email"], r
    assert r["group"] == r["cloud_group"], r
PY

# 5. apply the plan, with a way back
RC=0
cloud --resume --undo-file undo.csv --base-url "$FAKEBB_URL" "${MAP[@]}" -o applied.csv plan.csv 2>err.txt || RC=$?
expect_eq "$RC" 1 "exit code of the apply"
expect_eq "$(stat_of writes)" 10 "writes of the apply: the planned rows"
expect_eq "$(csv_col applied.csv status | sort | uniq -c | tr -s ' ')" " 1 invalid
 11 ok" "apply statuses"

# the two states: Data Center's in Cloud form (target by slug or key, users by
# the account of their email, groups renamed), without the user who has none
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
[ "$(wc -l < want-cloud.txt)" -eq 11 ] || fail "Data Center permissions to carry: $(cat want-cloud.txt)"
expect_file cloud.txt want-cloud.txt "Cloud permissions against Data Center's"

# afterwards, the plan shows every row unchanged
RC=0
cloud plan --base-url "$FAKEBB_URL" "${MAP[@]}" -o plan2.csv dc-cloud.csv 2>err.txt || RC=$?
expect_eq "$RC" 1 "exit code of the second plan"
expect_eq "$(csv_col plan2.csv status | sort | uniq -c | tr -s ' ')" " 1 invalid
 11 ok" "statuses of the second plan"
expect_eq "$(grep -c ',ok,,0,unchanged' plan2.csv)" 11 "rows unchanged in the second plan"
expect_eq "$(stat_of writes)" 10 "writes after the second plan"

# the undo file puts the Cloud workspace back as it was
RC=0
cloud --base-url "$FAKEBB_URL" -o undone.csv undo.csv 2>err.txt || RC=$?
expect_eq "$RC" 0 "exit code of the undo ($(tail -1 err.txt))"
state | awk -F'\t' '$2=="acme"' > cloud1.txt
expect_file cloud1.txt cloud0.txt "Cloud permissions after the undo"
expect_eq "$(state | awk -F'\t' '$2=="dc"' | grep -c '')" 12 "Data Center permissions untouched"
