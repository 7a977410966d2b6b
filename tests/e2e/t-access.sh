# Cloud access review. acme/api is reached by ann five ways (owner,
# repository user, repository group, project user, project group) and `via`
# lists all five in order; bob reaches api only through a group; carl is an
# owner with no explicit grant; the project's create-repo reaches its
# repositories as write; dave's level on docs is one no source explains
# ("unexplained", counted on stderr). Two runs are byte-identical. Then the
# 1.0 groups answer 410: group sources become 'group SLUG P?' and the run
# still exits 0. --user by email on access and export; --compare across a
# grant, a revoke, a raise and a lower; the offboarding pipeline, then undo.
. "$(dirname "$0")/lib.sh"
# has ERE FILE
has() { grep -qE -- "$1" "$2" || { echo "--- $2:"; cat "$2"; fail "no /$1/ in $2"; }; }
ANN='557058:ann' BOB='557058:bob' CARL='557058:carl' DAVE='557058:dave'
fixture() {
  cat > fx.json <<JSON
{
  "credentials": [{"username": "admin@example.com", "password": "s3cret-token"}],
  "workspaces": {
    "acme": {
      "repositories": [{"slug": "api", "project": "PROJ"}, {"slug": "docs", "project": "PROJ"},
                       {"slug": "web", "project": "OPS"}],
      "projects": ["PROJ", "OPS"],
      "groups": ["developers", "leads", "builders"],
      "users": [
        {"uuid": "{a0000000-0000-0000-0000-000000000001}", "account_id": "$ANN", "display_name": "Ann", "email": "ann@example.com"},
        {"uuid": "{b0000000-0000-0000-0000-000000000002}", "account_id": "$BOB", "display_name": "=Bob", "email": "bob@example.com"},
        {"uuid": "{c0000000-0000-0000-0000-000000000003}", "account_id": "$CARL", "display_name": "Carl", "email": "carl@example.com"},
        {"uuid": "{d0000000-0000-0000-0000-000000000004}", "account_id": "$DAVE", "display_name": "Dave", "email": "dave@example.com"}
      ]
    }
  },
  "permissions": [
    {"workspace": "acme", "repository": "api", "user": "$ANN", "permission": "write"},
    {"workspace": "acme", "repository": "api", "group": "developers", "permission": "read"},
    {"workspace": "acme", "project": "PROJ", "user": "$ANN", "permission": "read"},
    {"workspace": "acme", "project": "PROJ", "group": "leads", "permission": "admin"},
    {"workspace": "acme", "project": "OPS", "group": "builders", "permission": "create-repo"}
  ],
  "access": {"workspaces": {"acme": {
    "owners": ["$ANN", "$CARL"],
    "groups": {"developers": ["$ANN", "$BOB"], "leads": ["$ANN"], "builders": ["$DAVE"]},
    "groups_gone": ${GONE:-false},
    "extra": [{"repository": "docs", "user": "$DAVE", "permission": "read"}]
  }}}
}
JSON
}
GONE=false fixture
FAKEBB_FIXTURE=$PWD/fx.json fakebb_start || fail "fakebb"
API=$FAKEBB_URL/2.0
"$BBPERM" access --base-url "$API" --no-progress acme > a1.csv 2> err1 || fail "access: $(cat err1)"
cat > want.csv <<CSV
workspace,repo,project,user,name,permission,via
acme,api,PROJ,$ANN,Ann,admin,workspace admin; repository user write; repository group developers read; project user read; project group leads admin
acme,api,PROJ,$BOB,'=Bob,read,repository group developers read
acme,api,PROJ,$CARL,Carl,admin,workspace admin
acme,docs,PROJ,$ANN,Ann,admin,workspace admin; project user read; project group leads admin
acme,docs,PROJ,$CARL,Carl,admin,workspace admin
acme,docs,PROJ,$DAVE,Dave,read,unexplained
acme,web,OPS,$ANN,Ann,admin,workspace admin
acme,web,OPS,$CARL,Carl,admin,workspace admin
acme,web,OPS,$DAVE,Dave,write,project group builders create-repo
CSV
diff -u want.csv a1.csv || fail "access rows"
has "1 unexplained" err1
"$BBPERM" access --base-url "$API" --no-progress -j 1 acme > a2.csv 2>/dev/null
cmp a1.csv a2.csv || fail "two runs differ"
# the budget: the effective list's pages, what export reads, one groups
# request and one owners page
req() { sed -n 's/.*; \([0-9]*\) requests*, .*/\1/p' "$1" | tail -1; }
"$BBPERM" export --base-url "$API" --no-progress acme > /dev/null 2> errx
echo "requests: access $(req err1), export $(req errx)"
[ "$(req err1)" -le $(( $(req errx) + 3 )) ] || fail "access sent $(req err1) requests, export $(req errx)"
# a project scope reads each repository's effective list
"$BBPERM" access --base-url "$API" --no-progress acme/OPS > a3.csv 2>/dev/null || fail "project scope"
expect_eq "$(grep -c ',web,' a3.csv)" 3 "value"

# --user by email, on access and export
"$BBPERM" access --base-url "$API" --no-progress --user bob@example.com acme > u.csv 2>/dev/null || fail "--user"
expect_eq "$(tail -n +2 u.csv)" "acme,api,PROJ,$BOB,'=Bob,read,repository group developers read" "value"
"$BBPERM" export --base-url "$API" --no-progress --user ann@example.com acme > e.csv 2>/dev/null || fail "export --user"
expect_eq "$(tail -n +2 e.csv | cut -d, -f1-6 | sort | tr '\n' ' ')" "acme,,PROJ,,$ANN,read acme,api,PROJ,,$ANN,write " "value"

# --compare: a grant, a revoke, a raise and a lower
curl -sf -X PUT -H 'Content-Type: application/json' -u admin@example.com:s3cret-token \
  -d '{"permission":"write"}' "$API/repositories/acme/web/permissions-config/users/$BOB" >/dev/null
curl -sf -X DELETE -u admin@example.com:s3cret-token "$API/workspaces/acme/projects/OPS/permissions-config/groups/builders" >/dev/null
curl -sf -X PUT -H 'Content-Type: application/json' -u admin@example.com:s3cret-token \
  -d '{"permission":"write"}' "$API/repositories/acme/api/permissions-config/groups/developers" >/dev/null
"$BBPERM" access --base-url "$API" --no-progress --compare a1.csv acme > c.csv 2> errc || fail "compare: $(cat errc)"
expect_eq "$(head -1 c.csv)" "workspace,repo,project,user,name,permission,via,change" "compare header"
has "acme,web,OPS,$BOB,'=Bob,write,repository user write,added" c.csv
has "acme,web,OPS,$DAVE,Dave,none,,removed" c.csv
has "acme,api,PROJ,$BOB,'=Bob,write,repository group developers write,raised" c.csv
has "1 added, 1 removed, 1 raised, 0 lowered" errc
curl -sf -X PUT -H 'Content-Type: application/json' -u admin@example.com:s3cret-token \
  -d '{"permission":"read"}' "$API/repositories/acme/web/permissions-config/users/$BOB" >/dev/null
"$BBPERM" access --base-url "$API" --no-progress --compare c.csv acme > c2.csv 2> errc2 || fail "compare 2"
has "acme,web,OPS,$BOB,'=Bob,read,repository user read,lowered" c2.csv
has "0 added, 0 removed, 0 raised, 1 lowered" errc2

# offboarding: export --user --revoke | plan, apply with an undo file, undo
"$BBPERM" export --base-url "$API" --no-progress --user ann@example.com --revoke acme > off.csv 2>/dev/null
expect_eq "$(tail -n +2 off.csv | cut -d, -f6 | sort -u)" "none" "value"
"$BBPERM" plan --base-url "$API" --no-progress off.csv > plan.csv 2>/dev/null || fail "plan"
expect_eq "$(grep -c revoke plan.csv)" 2 "value"
"$BBPERM" --base-url "$API" --no-progress --undo-file undo.csv off.csv > res.csv 2>/dev/null || fail "apply"
"$BBPERM" access --base-url "$API" --no-progress --user ann@example.com acme > left.csv 2>/dev/null
has "acme,api,PROJ,$ANN,Ann,admin,workspace admin; repository group developers write; project group leads admin" left.csv
"$BBPERM" --base-url "$API" --no-progress undo.csv > /dev/null 2>&1 || fail "undo"
"$BBPERM" export --base-url "$API" --no-progress --user ann@example.com acme > e2.csv 2>/dev/null
cmp e.csv e2.csv || fail "undo did not put ann's grants back"

# the 1.0 groups resource answers 410
fakebb_stop
GONE=true fixture
FAKEBB_FIXTURE=$PWD/fx.json fakebb_start || fail "fakebb"
API=$FAKEBB_URL/2.0
"$BBPERM" access --base-url "$API" --no-progress acme > g.csv 2> errg || fail "410: exit $?"
has "membership of acme could not be read" errg
has "acme,api,PROJ,$BOB,'=Bob,read,repository group developers read\?$" g.csv
has "acme,web,OPS,$DAVE,Dave,write,project group builders create-repo\?$" g.csv
exit 0
