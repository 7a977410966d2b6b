# Data Center access review when a group's members cannot be read: the
# review never shows less access than exists.
# - dev-team's members answer 403: stderr names the group (one line, read
#   once), exit 1; every user known from other sources carries the group as
#   a candidate ('repository group dev-team write?'), not counted in the
#   level.
# - --compare with the review from before: an earlier row the unreadable
#   group could explain is 'unknown' at its earlier level (jdoe lowered on
#   api, jdoe gone from web), never 'removed' or 'lowered'; a row it
#   explains in part (ann's admin once leads is gone, dev-team gives write)
#   is 'lowered' to what the group gives, not 'removed'; a row no unreadable
#   group reaches is removed as before (dev-team's grant on web gone).
# - Two groups unreadable (a 500 too): each is named.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/e2e/dclib.sh"
has() { grep -qE -- "$1" "$2" || { echo "--- $2:"; cat "$2"; fail "no /$1/ in $2"; }; }
dc_fixture <<'JSON'
{
    "projects": [{"key": "PRJ", "name": "Project", "repos": ["api", "web"]}],
    "groups": ["dev-team", "leads"],
    "users": [
      {"name": "jdoe", "displayName": "John Doe", "emailAddress": "john@example.com"},
      {"name": "ann", "displayName": "Ann", "emailAddress": "ann@example.com"},
      {"name": "bob", "displayName": "Bob"}
    ],
    "permissions": [
      {"project": "PRJ", "repo": "api", "user": "jdoe", "permission": "REPO_READ"},
      {"project": "PRJ", "repo": "api", "group": "dev-team", "permission": "REPO_WRITE"},
      {"project": "PRJ", "repo": "web", "group": "dev-team", "permission": "REPO_WRITE"},
      {"project": "PRJ", "repo": "web", "user": "bob", "permission": "REPO_READ"},
      {"project": "PRJ", "group": "leads", "permission": "PROJECT_ADMIN"}
    ]
}
JSON
# access_fx ERRORS-JSON: the access section, with those groups unreadable
access_fx() {
  python3 - "$1" <<'PY'
import json, sys
fx = json.load(open("fx.json"))
fx["access"] = {"datacenter": {"members": {"dev-team": ["jdoe", "ann"], "leads": ["ann"]},
                               "members_error": json.loads(sys.argv[1])}}
json.dump(fx, open("fx.json", "w"))
PY
}
access_fx '{}'
dc_start || fail "fakebb"
access() { "$BBPERM" access --base-url "$API" --no-progress --retries 0 "$@"; }
access > ref.csv 2> err || fail "reference: $(cat err)"
cat > want-ref.csv <<'CSV'
workspace,repo,project,user,name,permission,via,email
,api,PRJ,ann,Ann,admin,repository group dev-team write; project group leads admin,ann@example.com
,api,PRJ,jdoe,John Doe,write,repository user read; repository group dev-team write,john@example.com
,web,PRJ,ann,Ann,admin,repository group dev-team write; project group leads admin,ann@example.com
,web,PRJ,bob,Bob,read,repository user read,
,web,PRJ,jdoe,John Doe,write,repository group dev-team write,john@example.com
CSV
expect_file ref.csv want-ref.csv "the reference review"

# dev-team's members cannot be read
fakebb_stop
access_fx '{"dev-team": 403}'
dc_start || fail "fakebb"
access -v > a.csv 2> err; rc=$?
expect_eq "$rc" 1 "exit with dev-team unreadable"
expect_eq "$(grep -c '^bbperm: access: the members of group' err)" 1 "groups named"
has "^bbperm: access: the members of group dev-team could not be read \(403 You are not permitted to access this resource\)" err
expect_eq "$(grep -c "^bbperm: > GET $API/admin/groups/more-members?context=dev-team" err)" 1 "dev-team read once"
cat > want-a.csv <<'CSV'
workspace,repo,project,user,name,permission,via,email
,api,PRJ,ann,Ann,admin,repository group dev-team write?; project group leads admin,ann@example.com
,api,PRJ,jdoe,John Doe,read,repository user read; repository group dev-team write?,john@example.com
,web,PRJ,ann,Ann,admin,repository group dev-team write?; project group leads admin,ann@example.com
,web,PRJ,bob,Bob,read,repository user read; repository group dev-team write?,
CSV
expect_file a.csv want-a.csv "the review with candidates"

access --compare ref.csv > c.csv 2> err; rc=$?
expect_eq "$rc" 1 "exit of --compare with dev-team unreadable"
cat > want-c.csv <<'CSV'
workspace,repo,project,user,name,permission,via,email,change
,api,PRJ,ann,Ann,admin,repository group dev-team write?; project group leads admin,ann@example.com,
,api,PRJ,jdoe,John Doe,write,repository user read; repository group dev-team write?,john@example.com,unknown
,web,PRJ,ann,Ann,admin,repository group dev-team write?; project group leads admin,ann@example.com,
,web,PRJ,bob,Bob,read,repository user read; repository group dev-team write?,,
,web,PRJ,jdoe,John Doe,write,repository group dev-team write?,john@example.com,unknown
CSV
expect_file c.csv want-c.csv "--compare: unknown, not removed or lowered"
has "0 added, 0 removed, 0 raised, 0 lowered, 2 unknown" err
# the unknown rows hold their level: the next review compares against them
access --compare c.csv > c2.csv 2> err
expect_file c2.csv want-c.csv "--compare against a review with unknown rows"

# a level the unreadable group cannot give is still lowered: leads gone
curl -sf -X DELETE -H "Authorization: Bearer dc-token-123" \
  "$API/projects/PRJ/permissions/groups?name=leads" > /dev/null || fail "delete leads"
access --compare ref.csv > l.csv 2> err
has "^,api,PRJ,ann,Ann,write,repository group dev-team write\?,ann@example.com,lowered$" l.csv
has "^,web,PRJ,ann,Ann,write,repository group dev-team write\?,ann@example.com,lowered$" l.csv
has "0 added, 0 removed, 0 raised, 2 lowered, 2 unknown" err
fakebb_stop
access_fx '{"dev-team": 403}'
python3 - <<'PY'
import json
fx = json.load(open("fx.json"))
fx["access"]["datacenter"]["members"]["dev-team"] = ["jdoe"]
fx["datacenter"]["permissions"] = [p for p in fx["datacenter"]["permissions"] if p.get("group") != "dev-team" or p["repo"] != "web"]
json.dump(fx, open("fx.json", "w"))
PY
dc_start || fail "fakebb"
access --compare ref.csv > w.csv 2> err
has "^,web,PRJ,jdoe,John Doe,none,,john@example.com,removed$" w.csv
has "^,web,PRJ,ann,Ann,admin,project group leads admin,ann@example.com,$" w.csv
has "^,api,PRJ,jdoe,John Doe,write,repository user read; repository group dev-team write\?,john@example.com,unknown$" w.csv

# two groups unreadable, one with a 500
fakebb_stop
access_fx '{"dev-team": 403, "leads": 500}'
dc_start || fail "fakebb"
access > t.csv 2> err; rc=$?
expect_eq "$rc" 1 "exit with two groups unreadable"
has "^bbperm: access: the members of group dev-team could not be read \(403 " err
has "^bbperm: access: the members of group leads could not be read \(500 " err
has "^,api,PRJ,jdoe,John Doe,read,repository user read; repository group dev-team write\?; project group leads admin\?,john@example.com$" t.csv
exit 0
