# The guide (README.md and docs/) and the man page describe every option
# --help lists, and list none that --help does not; the README's links to
# the guide lead to files that exist, and every file of docs/ is linked.
. "$(dirname "$0")/lib.sh"
cat "$ROOT/README.md" "$ROOT"/docs/*.md > guide.md
for link in $(grep -oE '\]\(docs/[a-z-]+\.md' "$ROOT/README.md" | sed 's/](//'); do
  [ -f "$ROOT/$link" ] || fail "README.md links to $link, which does not exist"
done
for f in "$ROOT"/docs/*.md; do
  grep -q "](docs/$(basename "$f"))" "$ROOT/README.md" || fail "docs/$(basename "$f") is not linked from README.md"
done
"$BBPERM" --help > help.txt || fail "--help exit code"
grep -oE -- '--[a-z][a-z0-9-]+' help.txt | sort -u > help-opts.txt
[ "$(wc -l < help-opts.txt)" -ge 20 ] || fail "too few options found in --help"
for doc in guide.md "$ROOT/bbperm.1"; do
  while read -r opt; do
    if [ "$(basename "$doc")" = bbperm.1 ]; then
      grep -qE -- "(Fl |, )-${opt#--}( |$)" "$doc" || fail "$opt is missing from bbperm.1"
    else
      grep -q -- "\`$opt\b\|\`$opt\`\|, \`$opt" "$doc" || grep -q -- "$opt" "$doc" || fail "$opt is missing from README.md and docs/"
    fi
  done < help-opts.txt
done
# and the man page names no option that does not exist
grep -oE '(Fl |, )-[a-z][a-z0-9-]+' "$ROOT/bbperm.1" | sed -E 's/^(Fl |, )-/--/' | sort -u > man-opts.txt
extra=$(comm -13 help-opts.txt man-opts.txt)
expect_eq "$extra" "" "options in bbperm.1 that --help does not list"
"$BBPERM" --version | grep -q '^bbperm [0-9]' || fail "--version"
# the commands --help lists are in the README and the man page
for cmd in apply plan export; do
  grep -qE "^(\"  *)?$cmd " help.txt || grep -q "bbperm $cmd" help.txt || grep -q "^$cmd " help.txt || fail "--help does not show '$cmd'"
  grep -q "bbperm $cmd\|bbperm \[$cmd\]" "$ROOT/README.md" || fail "'$cmd' is missing from README.md"
  grep -q "^\.Cm $cmd\|^\.Op Cm $cmd" "$ROOT/bbperm.1" || fail "'$cmd' is missing from bbperm.1"
done
