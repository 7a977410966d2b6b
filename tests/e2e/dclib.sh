# shellcheck shell=bash
# Sourced by the Data Center end-to-end tests, after lib.sh: the fixture's
# credentials (Basic admin:dc-pass, Bearer dc-token-123), and the server
# started with them.

# dc_fixture: fx.json with those credentials, no Cloud workspace, and the
# "datacenter" object read from standard input
dc_fixture() {
  {
    printf '{\n  "credentials": [{"username": "admin", "password": "dc-pass"}],\n'
    printf '  "bearer_tokens": ["dc-token-123"],\n  "workspaces": {},\n  "datacenter": '
    cat
    printf '}\n'
  } > fx.json
}

# dc_start [fakebb args...]: serves fx.json; bbperm then authenticates with
# the Data Center token alone. API is the REST root.
dc_start() {
  FAKEBB_FIXTURE=$PWD/fx.json
  fakebb_start "$@"
  unset BITBUCKET_EMAIL BITBUCKET_API_TOKEN
  export BITBUCKET_TOKEN=dc-token-123
  # shellcheck disable=SC2034  # used by the tests that source this
  API=$FAKEBB_URL/rest/api/latest
}

# dc_page_limit N: the server gives at most N items a page
dc_page_limit() {
  curl -sf -X POST -d "{\"dc_max_limit\": $1}" "$FAKEBB_URL/_config" > /dev/null
}
