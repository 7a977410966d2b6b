# The fake server's branch restrictions, driven with curl, both flavours.
# Cloud (/2.0/repositories/{ws}/{repo}/branch-restrictions): the fixture's
# restrictions in /_state; the list paged with pagelen and next, filtered by
# kind and pattern; POST (201, integer ids, users and groups resolved), a
# duplicate kind + pattern or kind + branch_type (409), subjects on a kind
# that takes none, a value on a kind that takes none, push without its
# lists, unknown kind, user or group (400); PUT changes only the fields it
# holds, refuses a change that collides (409) or breaks a rule (400); GET,
# DELETE and a 404 after it, an id of another repository (404); 401, 403,
# 405. Data Center (/rest/branch-permissions/latest/...): repository and
# project scope, the list paged with start and limit, filters, POST of one
# object (application/json) and of an array (the bulk type; one element
# answers the object, several an array), a re-POST of the same type and
# matcher replacing the exemptions under the same id (or, with /_config
# dc_replace "new", a new id beside the old one), users, groups and access
# keys, bad matchers and names (400), 415, 401 for a not_admin target, GET
# and DELETE by id. Then /_stats counts, the --log lines, the final /_state
# (exact), and /_reset back to the fixture. Before: a bad restriction in
# the fixture stops the server (exit 2, named). After: POSTs and re-POSTs at
# the same time (one winner per identity, distinct ids).
. "$(dirname "$0")/lib.sh"

python3 - "$ROOT/tests/fakebb/fixture.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
f['workspaces']['acme']['forbidden'] = ['docs']
f['branch_restrictions'] = [
    {"workspace": "acme", "repository": "api",
     "restriction": {"kind": "push", "pattern": "main", "users": [{"account_id": "557058:ann"}],
                     "groups": [{"slug": "admins"}]}},
    {"workspace": "acme", "repository": "api", "restriction": {"kind": "delete", "pattern": "main"}},
    {"workspace": "acme", "repository": "api",
     "restriction": {"kind": "require_approvals_to_merge", "branch_match_kind": "branching_model",
                     "branch_type": "production", "value": 2}}]
f['datacenter']['access_keys'] = [{"id": 7, "label": "deploy"}, {"id": 8}]
f['datacenter']['branch_restrictions'] = [
    {"project": "PRJ", "repo": "api",
     "restriction": {"type": "no-deletes", "matcher": {"id": "refs/heads/main", "type": {"id": "BRANCH"}}}},
    {"project": "OPS", "restriction": {"type": "read-only", "matcher": {"type": {"id": "ANY_REF"}},
                                       "groups": ["admins"]}}]
json.dump(f, open('fx.json', 'w'), indent=1)
PY
# a fixture restriction is checked as a POST would be: exit 2, naming it
jq '.branch_restrictions[1].restriction.groups = [{"slug": "developers"}]' fx.json > bad.json
rc=0; "$FAKEBB" --port 0 --fixture bad.json > /dev/null 2> bad.err || rc=$?
expect_eq "$rc" 2 "fakebb with a group on a delete restriction in its fixture"
expect_match "$(cat bad.err)" 'branch_restrictions \(acme/api\): users and groups can only be set on push' "its message"
jq '.datacenter.branch_restrictions[1].restriction.matcher = {"id": "main", "type": {"id": "BRANCH"}}' fx.json > bad.json
rc=0; "$FAKEBB" --port 0 --fixture bad.json > /dev/null 2> bad.err || rc=$?
expect_eq "$rc" 2 "fakebb with a bare branch name in a Data Center matcher"
expect_match "$(cat bad.err)" 'datacenter.branch_restrictions \(OPS\): matcher.id' "its message"
FAKEBB_FIXTURE=$PWD/fx.json fakebb_start --log "$T/log.txt" || fail "fakebb did not start"

B=$FAKEBB_URL/2.0/repositories/acme
D=$FAKEBB_URL/rest/branch-permissions/latest/projects
ANN_UUID='{aaaaaaaa-0000-0000-0000-000000000001}'
BOB_UUID='{bbbbbbbb-0000-0000-0000-000000000002}'
BULK=application/vnd.atl.bitbucket.bulk+json

# call METHOD URL [BODY [CONTENT-TYPE]]: Cloud credentials (DC=1: the Data
# Center token); ST is the status, b.json the body
DC=
call() {
  local -a args=(-s -o b.json -w '%{http_code}' -X "$1")
  if [ -n "$DC" ]; then args+=(-H 'Authorization: Bearer dc-token-123')
  else args+=(-u admin@example.com:s3cret-token); fi
  [ $# -ge 3 ] && args+=(-H "Content-Type: ${4:-application/json}" --data-binary "$3")
  ST=$(curl "${args[@]}" "$2")
}
# j FILTER: jq over the last answer, compact
j() { jq -c "$1" b.json; }
# expect_call STATUS WHAT METHOD URL [BODY [CTYPE]]
expect_call() {
  local want=$1 what=$2; shift 2
  call "$@"
  [ "$ST" = "$want" ] || fail "$what: expected HTTP $want, got $ST: $(head -c 400 b.json)"
}

# ---- the fixture's restrictions ------------------------------------------
tab=$'\t'
cat > want-start.txt <<EOF
branch${tab}acme${tab}api${tab}delete${tab}glob:main${tab}value=-${tab}users=${tab}groups=${tab}keys=
branch${tab}acme${tab}api${tab}push${tab}glob:main${tab}value=-${tab}users=557058:ann${tab}groups=admins${tab}keys=
branch${tab}acme${tab}api${tab}require_approvals_to_merge${tab}model:production${tab}value=2${tab}users=${tab}groups=${tab}keys=
branch${tab}dc${tab}ops${tab}read-only${tab}ANY_REF:ANY_REF_MATCHER_ID${tab}value=-${tab}users=${tab}groups=admins${tab}keys=
branch${tab}dc${tab}prj/api${tab}no-deletes${tab}BRANCH:refs/heads/main${tab}value=-${tab}users=${tab}groups=${tab}keys=
project${tab}acme${tab}proj${tab}group${tab}old-team${tab}read
repository${tab}acme${tab}api${tab}group${tab}admins${tab}admin
repository${tab}acme${tab}api${tab}group${tab}old-team${tab}read
repository${tab}acme${tab}infra${tab}group${tab}old-team${tab}admin
repository${tab}acme${tab}web${tab}group${tab}old-team${tab}write
EOF
state > start.txt
expect_file start.txt want-start.txt "/_state with the fixture's branch restrictions"

# ---- Cloud: list, paged and filtered ---------------------------------------
expect_call 200 "list page 1" GET "$B/api/branch-restrictions?pagelen=2"
expect_eq "$(j '[.pagelen, .size, .page, (.values | length)]')" '[2,3,1,2]' "page 1: pagelen, size, page, items"
expect_eq "$(j '[.values[] | .type, .kind, .id]')" '["branchrestriction","push",3,"branchrestriction","delete",4]' "page 1 items"
expect_eq "$(j '.values[0].users[0].uuid, .values[0].groups[0].full_slug')" $'"'"$ANN_UUID"$'"\n"acme:admins"' "page 1 subjects"
expect_match "$(jq -r '.values[1].links.self.href' b.json)" '^http://127\.0\.0\.1:[0-9]+/2\.0/repositories/acme/api/branch-restrictions/4$' "links.self of an item"
next=$(jq -r .next b.json)
expect_match "$next" '^http://127\.0\.0\.1:[0-9]+/2\.0/repositories/acme/api/branch-restrictions\?pagelen=2&page=' "next"
expect_call 200 "list page 2" GET "$next"
expect_eq "$(j '[.page, (.values | length), has("next")]')" '[2,1,false]' "page 2"
expect_eq "$(j '.values[0] | [.id, .kind, .branch_match_kind, .branch_type, .pattern, .value, .users, .groups]')" \
  '[5,"require_approvals_to_merge","branching_model","production","",2,[],[]]' "a branching_model restriction"
expect_call 400 "a page token of another list" GET "$B/web/branch-restrictions?page=${next##*page=}"
expect_call 200 "filter kind=push" GET "$B/api/branch-restrictions?kind=push"
expect_eq "$(j '[.size, .values[0].id]')" '[1,3]' "kind=push"
expect_call 200 "filter pattern=main" GET "$B/api/branch-restrictions?pattern=main&pagelen=100"
expect_eq "$(j '[.values[].id]')" '[3,4]' "pattern=main"
expect_call 200 "another repository's list" GET "$B/web/branch-restrictions"
expect_eq "$(j '[.size, .values]')" '[0,[]]' "web has none"

# ---- Cloud: create --------------------------------------------------------
expect_call 201 "POST push release/*" POST "$B/api/branch-restrictions" \
  '{"type":"branchrestriction","kind":"push","branch_match_kind":"glob","pattern":"release/*","users":[{"type":"user","account_id":"557058:ann"},{"uuid":"'"$ANN_UUID"'"}],"groups":[{"type":"group","slug":"Developers"}]}'
rel=$(j .id)
expect_eq "$(j '[(.id | type), .kind, .pattern, [.users[].account_id], [.groups[].slug]]')" \
  '["number","push","release/*",["557058:ann"],["developers"]]' "POST answer (ann twice is one user; group case folded)"
expect_match "$(j .links.self.href)" "/2.0/repositories/acme/api/branch-restrictions/$rel\"\$" "POST links.self"
expect_call 409 "duplicate kind + pattern" POST "$B/api/branch-restrictions" '{"kind":"push","pattern":"main","users":[],"groups":[]}'
expect_eq "$(j '[.type, (.error.message | test("already exists"))]')" '["error",true]' "409 error body"
expect_call 409 "duplicate kind + branch_type" POST "$B/api/branch-restrictions" \
  '{"kind":"require_approvals_to_merge","branch_match_kind":"branching_model","branch_type":"production","value":3}'
expect_call 201 "same kind, other pattern case" POST "$B/api/branch-restrictions" '{"kind":"delete","pattern":"Main"}'
expect_call 201 "glob 'production' is not branch type production" POST "$B/api/branch-restrictions" \
  '{"kind":"require_approvals_to_merge","pattern":"production","value":1}'
expect_call 201 "the same rule on another repository" POST "$B/web/branch-restrictions" '{"kind":"push","pattern":"main","users":[],"groups":[]}'
web=$(j .id)
expect_call 400 "a user on force" POST "$B/api/branch-restrictions" '{"kind":"force","pattern":"*","users":[{"uuid":"'"$BOB_UUID"'"}],"groups":[]}'
expect_match "$(j .error.message)" 'only be set on push and restrict_merges' "subject on force: message"
expect_call 400 "a group on delete" POST "$B/api/branch-restrictions" '{"kind":"delete","pattern":"dev","groups":[{"slug":"developers"}]}'
expect_call 201 "empty lists on force" POST "$B/api/branch-restrictions" '{"kind":"force","pattern":"*","users":[],"groups":[],"value":null}'
force=$(j .id)
expect_call 400 "a value on delete" POST "$B/api/branch-restrictions" '{"kind":"delete","pattern":"x","value":1}'
expect_call 400 "push without users and groups" POST "$B/api/branch-restrictions" '{"kind":"push","pattern":"hotfix/*"}'
expect_call 400 "an unknown kind" POST "$B/api/branch-restrictions" '{"kind":"require_nothing","pattern":"x"}'
expect_call 400 "an unknown user" POST "$B/api/branch-restrictions" '{"kind":"push","pattern":"x","users":[{"uuid":"{00000000-0000-0000-0000-00000000dead}"}],"groups":[]}'
expect_call 400 "an unknown group" POST "$B/api/branch-restrictions" '{"kind":"restrict_merges","pattern":"x","users":[],"groups":[{"slug":"ghosts"}]}'
expect_call 400 "a user given as a string" POST "$B/api/branch-restrictions" '{"kind":"push","pattern":"x","users":["557058:ann"],"groups":[]}'
expect_call 400 "no pattern" POST "$B/api/branch-restrictions" '{"kind":"delete"}'
expect_call 400 "branching_model without branch_type" POST "$B/api/branch-restrictions" '{"kind":"delete","branch_match_kind":"branching_model"}'
expect_call 400 "branching_model with a pattern" POST "$B/api/branch-restrictions" '{"kind":"delete","branch_match_kind":"branching_model","branch_type":"feature","pattern":"x"}'
expect_call 400 "a negative value" POST "$B/api/branch-restrictions" '{"kind":"require_commits_behind","pattern":"x","value":-1}'
expect_call 400 "not JSON" POST "$B/api/branch-restrictions" '{"kind":'
expect_call 400 "text/plain" POST "$B/api/branch-restrictions" '{"kind":"delete","pattern":"x"}' text/plain

# ---- Cloud: PUT, GET, DELETE ----------------------------------------------
expect_call 200 "PUT users only" PUT "$B/api/branch-restrictions/$rel" '{"users":[{"uuid":"'"$BOB_UUID"'"}]}'
expect_eq "$(j '[.id, .kind, .pattern, [.users[].account_id], [.groups[].slug]]')" \
  "[$rel,\"push\",\"release/*\",[\"557058:bob\"],[\"developers\"]]" "PUT kept what it did not hold"
expect_call 200 "PUT value only" PUT "$B/api/branch-restrictions/5" '{"value":4}'
expect_eq "$(j '[.kind, .branch_type, .value]')" '["require_approvals_to_merge","production",4]' "PUT value"
expect_call 200 "PUT value null" PUT "$B/api/branch-restrictions/5" '{"value":null}'
expect_eq "$(j 'has("value")')" false "PUT value null clears it"
expect_call 409 "PUT onto another one's pattern" PUT "$B/api/branch-restrictions/$rel" '{"pattern":"main"}'
expect_call 400 "PUT users onto force" PUT "$B/api/branch-restrictions/$force" '{"users":[{"uuid":"'"$BOB_UUID"'"}]}'
expect_call 400 "PUT kind delete onto a push with users" PUT "$B/api/branch-restrictions/$rel" '{"kind":"delete"}'
expect_call 200 "PUT kind + lists together" PUT "$B/api/branch-restrictions/$rel" '{"kind":"restrict_merges","users":[],"groups":[{"slug":"contractors"}]}'
expect_eq "$(j '[.kind, .users, [.groups[].slug]]')" '["restrict_merges",[],["contractors"]]' "PUT kind + lists"
expect_call 200 "PUT branch_match_kind to branching_model" PUT "$B/api/branch-restrictions/$force" '{"branch_match_kind":"branching_model","branch_type":"hotfix"}'
expect_eq "$(j '[.branch_match_kind, .branch_type, .pattern]')" '["branching_model","hotfix",""]' "PUT match kind"
expect_call 200 "GET one" GET "$B/api/branch-restrictions/$rel"
expect_eq "$(j '[.id, .kind]')" "[$rel,\"restrict_merges\"]" "GET one"
expect_call 404 "an id of another repository" GET "$B/api/branch-restrictions/$web"
expect_call 404 "an id that is not a number" GET "$B/api/branch-restrictions/abc"
expect_call 204 "DELETE" DELETE "$B/web/branch-restrictions/$web"
expect_call 404 "GET after DELETE" GET "$B/web/branch-restrictions/$web"
expect_call 404 "DELETE again" DELETE "$B/web/branch-restrictions/$web"
expect_call 404 "unknown repository" GET "$B/nope/branch-restrictions"
expect_call 403 "forbidden repository" POST "$B/docs/branch-restrictions" '{"kind":"delete","pattern":"x"}'
expect_call 405 "PUT on the list" PUT "$B/api/branch-restrictions" '{}'
ST=$(curl -s -o b.json -w '%{http_code}' "$B/api/branch-restrictions")
expect_eq "$ST" 401 "no credentials"

# ---- Data Center ----------------------------------------------------------
DC=1
expect_call 200 "DC repository list" GET "$D/PRJ/repos/api/restrictions"
expect_eq "$(j '[.size, .isLastPage, .values[0].id, .values[0].scope, .values[0].matcher]')" \
  '[1,true,1,{"type":"REPOSITORY","resourceId":1},{"id":"refs/heads/main","displayId":"main","type":{"id":"BRANCH","name":"Branch"},"active":true}]' "DC seeded restriction"
expect_call 200 "DC POST one object" POST "$D/PRJ/repos/api/restrictions" \
  '{"type":"read-only","matcher":{"id":"refs/heads/main","displayId":"main","type":{"id":"BRANCH"}},"users":["JDoe"],"groups":["dev-team"],"accessKeyIds":[7]}'
ro=$(j .id)
expect_eq "$(j '[.type, [.users[].name], .groups, [.accessKeys[].key.id]]')" '["read-only",["jdoe"],["dev-team"],[7]]' "DC POST answer"
expect_call 200 "DC re-POST (bulk of one) replaces" POST "$D/PRJ/repos/api/restrictions" \
  '[{"type":"read-only","matcher":{"id":"refs/heads/main","type":{"id":"BRANCH"}},"users":[],"groups":["qa+ops","admins"]}]' "$BULK"
expect_eq "$(j '[type, .id, .users, .groups, .accessKeys]')" "[\"object\",$ro,[],[\"admins\",\"qa+ops\"],[]]" "DC replace keeps the id"
curl -sf -X POST -d '{"dc_replace": "new", "dc_bulk_array": true}' "$FAKEBB_URL/_config" > /dev/null || fail "/_config dc_replace"
expect_call 200 "DC re-POST with dc_replace new" POST "$D/PRJ/repos/api/restrictions" \
  '[{"type":"read-only","matcher":{"id":"refs/heads/main","type":{"id":"BRANCH"}},"userSlugs":["nomail"]}]' "$BULK"
expect_eq "$(j '[type, length]')" '["array",1]' "dc_bulk_array: a bulk of one answers an array"
ro2=$(j '.[0].id')
[ "$ro2" -gt "$ro" ] || fail "dc_replace new: id $ro2 is not a new one (old $ro)"
expect_eq "$(state | grep -c "^branch${tab}dc${tab}prj/api${tab}read-only")" 2 "old and new side by side"
expect_call 204 "DC DELETE the old one" DELETE "$D/PRJ/repos/api/restrictions/$ro"
curl -sf -X POST -d '{"dc_replace": "update", "dc_bulk_array": false}' "$FAKEBB_URL/_config" > /dev/null || fail "/_config back"
expect_call 200 "DC bulk of two" POST "$D/PRJ/repos/api/restrictions" \
  '[{"type":"fast-forward-only","matcher":{"id":"release/*","type":{"id":"PATTERN"}},"accessKeys":[{"key":{"id":8}}]},{"type":"pull-request-only","matcher":{"id":"FEATURE","type":{"id":"MODEL_CATEGORY"}},"groupNames":["a&b=c"]}]' "$BULK"
expect_eq "$(j '[type, length, .[1].matcher.displayId]')" '["array",2,"Feature"]' "DC bulk of two"
expect_call 200 "DC list page 1 (limit=2)" GET "$D/PRJ/repos/api/restrictions?limit=2"
expect_eq "$(j '[.size, .limit, .isLastPage, .nextPageStart, [.values[].id]]')" "[2,2,false,2,[1,$ro2]]" "DC page 1"
expect_call 200 "DC list page 2" GET "$D/PRJ/repos/api/restrictions?limit=2&start=2"
expect_eq "$(j '[.size, .isLastPage, has("nextPageStart"), [.values[].type]]')" '[2,true,false,["fast-forward-only","pull-request-only"]]' "DC page 2"
expect_call 200 "DC filter type" GET "$D/PRJ/repos/api/restrictions?type=read-only"
expect_eq "$(j '[.values[].id]')" "[$ro2]" "DC type=read-only"
expect_call 200 "DC filter matcher" GET "$D/PRJ/repos/api/restrictions?matcherType=BRANCH&matcherId=refs/heads/main"
expect_eq "$(j '[.values[].type]')" '["no-deletes","read-only"]' "DC matcherType + matcherId"
expect_call 400 "DC matcherId alone" GET "$D/PRJ/repos/api/restrictions?matcherId=refs/heads/main"
expect_call 400 "DC unknown type filter" GET "$D/PRJ/repos/api/restrictions?type=no-pushes"
expect_call 200 "DC project scope" POST "$D/PRJ/restrictions" \
  '{"type":"no-creates","matcher":{"id":"production","type":{"id":"MODEL_BRANCH"}},"users":[{"name":"admin"}]}'
proj=$(j .id)
expect_eq "$(j '[.scope, .matcher.displayId, [.users[].name]]')" '[{"type":"PROJECT","resourceId":1},"Production",["admin"]]' "DC project restriction"
expect_call 200 "DC project list" GET "$D/prj/restrictions"
expect_eq "$(j '[.values[].id]')" "[$proj]" "DC project list has the project's only"
expect_call 404 "DC project id through a repository" GET "$D/PRJ/repos/api/restrictions/$proj"
expect_call 200 "DC GET by id" GET "$D/PRJ/restrictions/$proj"
expect_call 400 "DC BRANCH without refs/" POST "$D/PRJ/repos/web/restrictions" '{"type":"read-only","matcher":{"id":"main","type":{"id":"BRANCH"}}}'
expect_call 400 "DC MODEL_CATEGORY in lower case" POST "$D/PRJ/repos/web/restrictions" '{"type":"read-only","matcher":{"id":"feature","type":{"id":"MODEL_CATEGORY"}}}'
expect_call 400 "DC unknown type" POST "$D/PRJ/repos/web/restrictions" '{"type":"no-pushes","matcher":{"id":"x","type":{"id":"PATTERN"}}}'
expect_call 400 "DC unknown user" POST "$D/PRJ/repos/web/restrictions" '{"type":"read-only","matcher":{"id":"x","type":{"id":"PATTERN"}},"users":["ghost"]}'
expect_eq "$(j '.errors[0].exceptionName')" '"com.atlassian.bitbucket.validation.ArgumentValidationException"' "DC 400 body"
expect_call 400 "DC unknown access key" POST "$D/PRJ/repos/web/restrictions" '{"type":"read-only","matcher":{"id":"x","type":{"id":"PATTERN"}},"accessKeyIds":[99]}'
expect_call 400 "DC bulk with one bad element creates nothing" POST "$D/PRJ/repos/web/restrictions" \
  '[{"type":"read-only","matcher":{"id":"x","type":{"id":"PATTERN"}}},{"type":"read-only"}]' "$BULK"
expect_call 400 "DC an array as application/json" POST "$D/PRJ/repos/web/restrictions" '[{"type":"read-only","matcher":{"id":"x","type":{"id":"PATTERN"}}}]'
expect_call 415 "DC text/plain" POST "$D/PRJ/repos/web/restrictions" '{}' text/plain
expect_call 401 "DC not_admin repository" GET "$D/PRJ/repos/secret/restrictions"
expect_call 404 "DC unknown repository" GET "$D/PRJ/repos/nope/restrictions"
expect_call 405 "DC PUT by id" PUT "$D/PRJ/restrictions/$proj" '{}'
expect_call 404 "DC /rest/api has no restrictions" GET "$FAKEBB_URL/rest/api/latest/projects/PRJ/restrictions"
expect_call 200 "DC the 2.0 path" GET "$FAKEBB_URL/rest/branch-permissions/2.0/projects/OPS/restrictions"
expect_eq "$(j '[.values[].groups]')" '[["admins"]]' "DC 2.0 path"
expect_call 204 "DC DELETE project restriction" DELETE "$D/PRJ/restrictions/$proj"
expect_call 404 "DC GET after DELETE" GET "$D/PRJ/restrictions/$proj"
DC=

# ---- stats, log, final state, reset ----------------------------------------
expect_eq "$(curl -sf "$FAKEBB_URL/_stats" | jq -c '[.branch_lists, .branch_gets, .branch_writes]')" '[12,7,49]' "/_stats branch counters"
grep -q $'\tPOST\tbranch-restrictions|acme|api\t201\tpush$' log.txt || fail "--log: the POST line"
grep -q $'\tPUT\tbranch-restriction|acme|api|'"$rel"$'\t200\trestrict_merges$' log.txt || fail "--log: the PUT line"
grep -q $'\tPOST\tbranch-restrictions|dc|prj/api\t200\tread-only$' log.txt || fail "--log: the DC POST line"
grep -q $'\tDELETE\tbranch-restriction|dc|prj|'"$proj"$'\t204\t-$' log.txt || fail "--log: the DC DELETE line"
cat > want-end.txt <<EOF
branch${tab}acme${tab}api${tab}delete${tab}glob:Main${tab}value=-${tab}users=${tab}groups=${tab}keys=
branch${tab}acme${tab}api${tab}delete${tab}glob:main${tab}value=-${tab}users=${tab}groups=${tab}keys=
branch${tab}acme${tab}api${tab}force${tab}model:hotfix${tab}value=-${tab}users=${tab}groups=${tab}keys=
branch${tab}acme${tab}api${tab}push${tab}glob:main${tab}value=-${tab}users=557058:ann${tab}groups=admins${tab}keys=
branch${tab}acme${tab}api${tab}require_approvals_to_merge${tab}glob:production${tab}value=1${tab}users=${tab}groups=${tab}keys=
branch${tab}acme${tab}api${tab}require_approvals_to_merge${tab}model:production${tab}value=-${tab}users=${tab}groups=${tab}keys=
branch${tab}acme${tab}api${tab}restrict_merges${tab}glob:release/*${tab}value=-${tab}users=${tab}groups=contractors${tab}keys=
branch${tab}dc${tab}ops${tab}read-only${tab}ANY_REF:ANY_REF_MATCHER_ID${tab}value=-${tab}users=${tab}groups=admins${tab}keys=
branch${tab}dc${tab}prj/api${tab}fast-forward-only${tab}PATTERN:release/*${tab}value=-${tab}users=${tab}groups=${tab}keys=8
branch${tab}dc${tab}prj/api${tab}no-deletes${tab}BRANCH:refs/heads/main${tab}value=-${tab}users=${tab}groups=${tab}keys=
branch${tab}dc${tab}prj/api${tab}pull-request-only${tab}MODEL_CATEGORY:FEATURE${tab}value=-${tab}users=${tab}groups=a&b=c${tab}keys=
branch${tab}dc${tab}prj/api${tab}read-only${tab}BRANCH:refs/heads/main${tab}value=-${tab}users=nomail${tab}groups=${tab}keys=
EOF
grep -v '^branch' want-start.txt >> want-end.txt
state > end.txt
expect_file end.txt want-end.txt "final /_state"
curl -sf -X POST "$FAKEBB_URL/_reset" > /dev/null || fail "/_reset"
state > reset.txt
expect_file reset.txt want-start.txt "/_state after /_reset"
call GET "$B/api/branch-restrictions?pagelen=100"
expect_eq "$(j '[.values[].id]')" '[3,4,5]' "ids after /_reset"

# ---- at the same time -------------------------------------------------------
# 20 Cloud POSTs of distinct patterns, 20 of one pattern, and 12 Data Center
# re-POSTs of one type and matcher, all at once, with lists read meanwhile:
# 21 new Cloud restrictions (19 duplicates get 409), distinct ids, and one
# Data Center restriction under one id. (wait names the curls: a bare wait
# would wait for the server too.)
pids=()
for i in $(seq 1 20); do
  curl -s -o /dev/null -w '%{http_code}\n' -u admin@example.com:s3cret-token -H 'Content-Type: application/json' \
    -d '{"kind":"delete","pattern":"p'"$i"'"}' "$B/web/branch-restrictions" >> st-distinct.txt &
  pids+=($!)
  curl -s -o /dev/null -w '%{http_code}\n' -u admin@example.com:s3cret-token -H 'Content-Type: application/json' \
    -d '{"kind":"force","pattern":"same"}' "$B/web/branch-restrictions" >> st-same.txt &
  pids+=($!)
  curl -s -o /dev/null -u admin@example.com:s3cret-token "$B/web/branch-restrictions?pagelen=100" &
  pids+=($!)
done
for i in $(seq 1 12); do
  curl -s -o "dc-$i.json" -H 'Authorization: Bearer dc-token-123' -H "Content-Type: $BULK" \
    -d '[{"type":"read-only","matcher":{"id":"refs/heads/dev","type":{"id":"BRANCH"}},"groups":["dev-team"]}]' \
    "$D/OPS/repos/tools/restrictions" &
  pids+=($!)
done
wait "${pids[@]}"
expect_eq "$(sort st-distinct.txt | uniq -c | tr -s ' ')" ' 20 201' "20 distinct POSTs at once"
expect_eq "$(sort st-same.txt | uniq -c | tr -s ' ')" $' 1 201\n 19 409' "20 POSTs of one pattern at once"
call GET "$B/web/branch-restrictions?pagelen=100"
expect_eq "$(j '[.size, (.values | map(.id) | unique | length)]')" '[21,21]' "21 restrictions, distinct ids"
expect_eq "$(cat dc-*.json | jq -s -c 'map(.id) | unique | length')" 1 "12 Data Center re-POSTs at once: one id"
expect_eq "$(state | grep -c "^branch${tab}dc${tab}ops/tools")" 1 "one Data Center restriction"
echo "ok: fake branch restrictions, Cloud and Data Center"
