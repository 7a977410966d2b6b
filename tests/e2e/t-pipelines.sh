# samples/bitbucket-pipelines.yml: its steps' commands, as written, against
# the fake server: seed with export, a pull request's plan (exit 0 with no
# change, 3 passes as changes), the apply on merge with --prune --undo-file,
# and the nightly drift check (0: no drift).
. "$(dirname "$0")/lib.sh"
python3 - "$ROOT/tests/e2e/data/prune-fx.json" <<'PY'
import json, sys
t = open(sys.argv[1]).read().replace('"PROJ"', '"PAY"')
open("fx.json", "w").write(t)
PY
FAKEBB_FIXTURE=$PWD/fx.json
fakebb_start
mkdir -p bin permissions
ln -s "$BBPERM" bin/bbperm
export PATH="$PWD/bin:$PATH" BBPERM_BASE_URL=$FAKEBB_URL
# the commands of each step, in the file's order
python3 - "$ROOT/samples/bitbucket-pipelines.yml" <<'PY'
import re, sys
step = 0
for line in open(sys.argv[1]):
    m = re.match(r"\s+- (bbperm .*)$", line)
    if m:
        step += 1
        open("step%d.sh" % step, "w").write(m.group(1) + "\n")
PY
[ -f step1.sh ] && [ -f step2.sh ] && [ -f step3.sh ] || fail "three bbperm steps in the sample"
grep -q -- '--prune' step1.sh && grep -q -- '--undo-file' step2.sh && grep -q -- '--detailed-exitcode' step3.sh \
  || fail "the sample's steps: plan --prune, apply --undo-file, drift --detailed-exitcode"
bbperm export --base-url "$BBPERM_BASE_URL" acme/PAY > permissions/PAY.csv || fail "seed"
bash -e step1.sh 2>err.txt || fail "pull request plan of the seed: $(cat err.txt)"
expect_eq "$(csv_col plan.csv status | sort -u | tr '\n' ' ')" "ok " "the seed changes nothing"
[ -s plan.md ] || fail "plan.md written"
# a pull request removes the contractors grant: the plan shows it (exit 3 passes)
grep -v contractors permissions/PAY.csv > pr.csv && mv pr.csv permissions/PAY.csv
bash -e step1.sh 2>err.txt || fail "pull request plan with a change: $(cat err.txt)"
grep -q 'contractors.*revoke read: not in the file' plan.csv || fail "the plan revokes it: $(cat plan.csv)"
bash -e step2.sh 2>err.txt || fail "apply on merge: $(cat err.txt)"
state | grep -q contractors && fail "applied"
[ -s undo.csv ] || fail "undo.csv written"
bash -e step3.sh 2>err.txt || fail "nightly drift check finds none: $(cat err.txt)"
# drift: someone grants by hand; the nightly check exits 3
curl -sf -X PUT -H 'Content-Type: application/json' -u admin@example.com:s3cret-token \
  -d '{"permission": "admin"}' "$FAKEBB_URL/2.0/repositories/acme/api/permissions-config/groups/contractors" >/dev/null \
  || fail "hand grant"
RC=0; bash -e step3.sh 2>err.txt || RC=$?
expect_eq "$RC" 3 "drift found"
exit 0
