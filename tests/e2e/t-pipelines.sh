# samples/bitbucket-pipelines.yml: every step's script, as written, against
# the fake server, in a directory that holds only permissions/ (as a
# repository the sample is copied into). The install line clones
# $BBPERM_REPO: here a small git repository whose scripts/deps and make
# put the bbperm under test in build/. Seed with export; a pull request's
# plan (exit 0 with no change, 3 passes as changes); on merge the plan is
# saved and applied with --resume --undo-file, and a plan gone stale in
# between is refused (nothing sent, the step fails); re-run, it applies;
# the nightly drift check (0: no drift, 3: drift); the sample says the
# nightly step needs a schedule.
. "$(dirname "$0")/lib.sh"
python3 - "$ROOT/tests/e2e/data/prune-fx.json" <<'PY'
import json, sys
t = open(sys.argv[1]).read().replace('"PROJ"', '"PAY"')
open("fx.json", "w").write(t)
PY
FAKEBB_FIXTURE=$PWD/fx.json
fakebb_start
command -v git >/dev/null || skip "git is needed"
# the repository bbperm is cloned from
mkdir -p src/scripts
printf '#!/bin/sh\nexit 0\n' > src/scripts/deps && chmod +x src/scripts/deps
printf 'all:\n\tmkdir -p build && cp "%s" build/bbperm\n' "$BBPERM" > src/Makefile
git -C src init -q -b main && git -C src add -A &&
  git -C src -c user.name=t -c user.email=t@example.com commit -qm bbperm || fail "the bbperm repository"
mkdir repo && cd repo && mkdir permissions
export BBPERM_REPO=file://$T/src BBPERM_BASE_URL=$FAKEBB_URL
unset BBPERM_REF
# each step's script lines (anchors resolved), in the file's order
python3 - "$ROOT/samples/bitbucket-pipelines.yml" <<'PY' || fail "the sample's steps"
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))["pipelines"]
steps = [s["step"] for s in d["pull-requests"]["**"]] + [s["step"] for s in d["branches"]["main"]] \
      + [s["step"] for s in d["custom"]["nightly-drift"]]
for i, s in enumerate(steps, 1):
    open("../step%d.sh" % i, "w").write("\n".join(["set -e"] + s["script"]) + "\n")
assert len(steps) == 4, len(steps)
PY
grep -q -- '--prune' ../step1.sh && grep -q -- '-o plan.csv' ../step2.sh && grep -q -- '--resume --undo-file undo.csv.*plan.csv' ../step3.sh &&
  grep -q -- '--detailed-exitcode' ../step4.sh || fail "the sample's steps: plan --prune, plan on merge, apply the saved plan, drift"
for i in 1 2 3 4; do grep -q 'BBPERM_REPO' ../step$i.sh || fail "step $i installs bbperm itself"; done
grep -qi 'schedule' "$ROOT/samples/bitbucket-pipelines.yml" || fail "the sample says the nightly step needs a schedule"
step() { RC=0; bash "../step$1.sh" >out.txt 2>err.txt || RC=$?; }
PATH_BEFORE=$PATH
"$BBPERM" export --base-url "$BBPERM_BASE_URL" acme/PAY > permissions/PAY.csv || fail "seed"
step 1; expect_eq "$RC" 0 "pull request plan of the seed: $(cat err.txt)"
[ -x .bbperm/build/bbperm ] || fail "the step built bbperm"
expect_eq "$(csv_col plan.csv status | sort -u | tr '\n' ' ')" "ok " "the seed changes nothing"
[ -s plan.md ] || fail "plan.md written"
# a pull request removes the contractors grant: the plan shows it (exit 3 passes)
grep -v contractors permissions/PAY.csv > pr.csv && mv pr.csv permissions/PAY.csv
step 1; expect_eq "$RC" 0 "pull request plan with a change: $(cat err.txt)"
grep -q 'contractors.*revoke read: not in the file' plan.csv || fail "the plan revokes it: $(cat plan.csv)"
# merge: the plan is saved, then someone grants by hand before the apply
step 2; expect_eq "$RC" 0 "plan on merge: $(cat err.txt)"
curl -sf -X PUT -H 'Content-Type: application/json' -u admin@example.com:s3cret-token \
  -d '{"permission": "admin"}' "$FAKEBB_URL/2.0/repositories/acme/api/permissions-config/groups/old-team" >/dev/null \
  || fail "hand grant"
w0=$(stat_of writes)
step 3; expect_eq "$RC" 1 "a stale saved plan fails the apply step"
expect_eq "$(stat_of writes)" "$w0" "a stale plan sends nothing"
expect_match "$(cat err.txt)" "is stale" "the step says the plan is stale"
state | grep -q contractors || fail "nothing applied"
# re-run the merge pipeline: re-plan (which now also revokes the hand grant), apply
step 2; expect_eq "$RC" 0 "re-plan: $(cat err.txt)"
step 3; expect_eq "$RC" 0 "apply on merge: $(cat err.txt)"
state | grep -q contractors && fail "applied"
[ -s undo.csv ] && [ -s applied.md ] || fail "undo.csv and applied.md written"
step 4; expect_eq "$RC" 0 "nightly drift check finds none: $(cat err.txt)"
# drift: someone grants by hand; the nightly check exits 3
curl -sf -X PUT -H 'Content-Type: application/json' -u admin@example.com:s3cret-token \
  -d '{"permission": "admin"}' "$FAKEBB_URL/2.0/repositories/acme/api/permissions-config/groups/contractors" >/dev/null \
  || fail "hand grant"
step 4; expect_eq "$RC" 3 "drift found"
expect_eq "$PATH" "$PATH_BEFORE" "the steps ran in their own shells"
exit 0
