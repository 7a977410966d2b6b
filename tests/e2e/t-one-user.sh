# One Cloud user, however the rows spell it ({uuid}, account id, email), is
# one permission: its rows run one at a time in file order and each compares
# with what the rows before it left, in apply, --diff, plan and the undo file.
. "$(dirname "$0")/lib.sh"
python3 - <<'PY'
import json
users = [{"uuid": "{aaaaaaaa-0000-0000-0000-000000000001}", "account_id": "557058:ann",
          "display_name": "Ann", "email": "ann@example.com"},
         {"uuid": "{bbbbbbbb-0000-0000-0000-000000000002}", "account_id": "557058:bob",
          "display_name": "Bob", "email": "bob@example.com"}]
users += [{"uuid": "{00000000-0000-0000-0000-%012d}" % i, "account_id": "557058:u%03d" % i}
          for i in range(200)]
json.dump({"credentials": [{"username": "admin@example.com", "password": "s3cret-token"}],
           "workspaces": {"acme": {"repositories": ["api", "web"], "repository_prefixes": ["bulk-"],
                                   "projects": ["PROJ"], "groups": ["developers"], "users": users}},
           "permissions": [{"workspace": "acme", "repository": "web", "user": "557058:bob",
                            "permission": "admin"}]},
          open("fx.json", "w"))
PY
FAKEBB_FIXTURE=$PWD/fx.json
ANN_U='{aaaaaaaa-0000-0000-0000-000000000001}'
BOB_U='{bbbbbbbb-0000-0000-0000-000000000002}'
user_state() { state | grep -F "repository	acme	$1	user	$2" | cut -f6; }

# 1. grant by {uuid}, then revoke by account id: the user ends with nothing
fakebb_start --latency 1 --latency-jitter 5 --log req.log
{ echo "workspace,repo,user,privilege"
  echo "acme,api,$ANN_U,read"
  echo "acme,api,557058:ann,none"; } > a.csv
for opt in "" --diff; do
  curl -sf -X POST "$FAKEBB_URL/_reset" >/dev/null
  run_bb -j 8 $opt a.csv
  expect_eq "$RC" 0 "exit code ($opt)"
  expect_eq "$(user_state api 557058:ann)" "" "ann on api after grant by uuid, revoke by account id ($opt)"
  expect_eq "$(csv_col out.csv status | sort -u)" "ok" "statuses ($opt)"
done
# with --diff the revoke compared with the grant before it
expect_eq "$(csv_col out.csv previous | tr '\n' ' ')" "none read " "previous of each row"
expect_eq "$(stat_of overlaps)" 0 "overlapping requests"

# 2. revoke by {uuid}, then by account id, with --diff: one DELETE; the
# second row finds what the first left
curl -sf -X POST "$FAKEBB_URL/_reset" >/dev/null
: > req.log
{ echo "workspace,repo,user,privilege"
  echo "acme,web,$BOB_U,none"
  echo "acme,web,557058:bob,none"; } > b.csv
run_bb --diff --undo-file undo.csv b.csv
expect_eq "$RC" 0 "exit code (two revokes)"
expect_eq "$(user_state web 557058:bob)" "" "bob on web"
expect_eq "$(grep -c 'DELETE' req.log)" 1 "DELETEs for one permission spelt twice"
expect_eq "$(csv_col out.csv previous | tr '\n' ' ')" "admin none " "previous of each row"
# the undo file holds one row for the permission: its first previous value
expect_eq "$(($(wc -l < undo.csv) - 1))" 1 "undo rows"
expect_match "$(tail -1 undo.csv)" ",admin" "undo restores admin"

# a new user granted by {uuid}, then raised by account id: one undo row, the
# first previous value (none), and applying it leaves nothing
curl -sf -X POST "$FAKEBB_URL/_reset" >/dev/null
rm -f undo2.csv
{ echo "workspace,repo,user,privilege"
  echo "acme,api,$ANN_U,read"
  echo "acme,api,557058:ann,write"; } > b2.csv
run_bb --diff --undo-file undo2.csv b2.csv
expect_eq "$RC" 0 "exit code (grant, then raise)"
expect_eq "$(csv_col out.csv previous | tr '\n' ' ')" "none read " "previous of each row (grant, then raise)"
expect_eq "$(user_state api 557058:ann)" "write" "ann after grant and raise"
expect_eq "$(($(wc -l < undo2.csv) - 1))" 1 "undo rows for one user spelt twice"
run_bb --diff undo2.csv
expect_eq "$RC" 0 "exit code of the undo"
expect_eq "$(user_state api 557058:ann)" "" "ann after the undo"

# 3. plan: grant by email, then revoke by {uuid}: the plan shows both changes
curl -sf -X POST "$FAKEBB_URL/_reset" >/dev/null
{ echo "workspace,repo,user,privilege"
  echo "acme,api,ann@example.com,write"
  echo "acme,api,$ANN_U,none"
  echo "acme,api,$BOB_U,read"
  echo "acme,api,557058:bob,none"; } > c.csv
run_bb plan c.csv
expect_eq "$RC" 0 "plan exit code"
expect_eq "$(csv_col out.csv status | tr '\n' ' ')" "planned planned planned planned " "plan statuses"
expect_match "$(csv_col out.csv message | sed -n 4p)" "revoke read" "plan: the account id row revokes what the uuid row granted"
run_bb --diff c.csv
expect_eq "$RC" 0 "apply exit code"
expect_eq "$(user_state api 557058:ann)" "" "ann after email grant and uuid revoke"
expect_eq "$(user_state api 557058:bob)" "" "bob after uuid grant and account id revoke"

# 4. many users in both spellings among other rows, 16 jobs: never two
# requests for one permission at once, and the last row decides
curl -sf -X POST "$FAKEBB_URL/_reset" >/dev/null
python3 - > d.csv <<'PY'
import random
random.seed(5)
print('workspace,repo,user,privilege')
for i in range(200):
    u, a = "{00000000-0000-0000-0000-%012d}" % i, "557058:u%03d" % i
    print(f'acme,bulk-{i:04d},{u},write')
    print(f'acme,api,{u},read')
    print(f'acme,api,{a},{"none" if i % 2 else "admin"}')
PY
run_bb -j 16 --diff d.csv
expect_eq "$RC" 0 "exit code (many)"
expect_eq "$(stat_of overlaps)" 0 "overlapping requests (many)"
expect_eq "$(user_state api 557058:u001)" "" "odd users end with none"
expect_eq "$(user_state api 557058:u002)" "admin" "even users end with admin"
expect_eq "$(state | grep -c 'repository	acme	api	user')" 100 "users on api"
echo "ok"
