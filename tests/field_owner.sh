#!/bin/sh
# The results family has one owner of its field names: report/results_fields.h
# (PB_F_ constants, and the pb_res_path table of results_fields.c). This test
# fails, naming file:line, when a field name is spelled as a string literal
# anywhere else in report/, cli/ or engine/ (comments aside):
#   - a name with an underscore ("ns_per_op"), wherever it stands;
#   - a dotted path of names ("time.ns_per_op.median");
#   - any name ("time", "median") as the key argument of a cJSON object call
#     or of a function of these folders that takes a `key` or `dotted` string
#     (the call may run over several lines);
#   - any name in a list of keys: a brace list or a line made of names only
#     ({"median", "min", "max"}), or a line that also holds a PB_F_ constant.
# The list of names is read from results_fields.h itself, so a field added
# there is covered at once; each must also be named in docs/results.md. Files that write documents of another schema,
# whose keys merely look alike, are listed below with the reason.
# usage: field_owner.sh SOURCE_DIR
set -u
cd "$1" || exit 2
owner=report/results_fields.h
# Exempt: the advice documents of `poolbench advise` and `advise --sites`
# (docs/advise.md), which read no results file.
exempt="
cli/cmd_advise.c
cli/cmd_advise_sites.c
"
names=$(sed -n 's/^#define PB_F_[A-Z0-9_]* "\([a-z0-9_]*\)"$/\1/p' "$owner")
if [ -z "$names" ]; then
    echo "field_owner: no PB_F_ names found in $owner" >&2
    exit 2
fi
n=$(printf '%s\n' "$names" | wc -l)
[ "$n" -ge 100 ] || { echo "field_owner: only $n names in $owner" >&2; exit 2; }
# Every name is documented: it stands in docs/results.md between backquotes,
# alone or as a step of a dotted path.
documented=$(grep -o '`[^`]*`' docs/results.md | tr -c 'a-z0-9_\n' '\n' | LC_ALL=C sort -u)
undocumented=$(printf '%s\n' "$names" | awk -v doc="$documented" '
    BEGIN { k = split(doc, a, "\n"); for (i = 1; i <= k; i++) d[a[i]] = 1 }
    !($0 in d)')
if [ -n "$undocumented" ]; then
    for u in $undocumented; do
        echo "$owner: \"$u\" is not named in docs/results.md"
    done
    exit 1
fi
# Functions that take a key: a parameter named key or dotted, in a signature
# that may run over several lines.
keyfns=$(find report cli engine common -name '*.[ch]' | LC_ALL=C sort | xargs awk '
    /^[a-zA-Z].*\(/ { sig = $0 }
    sig != "" && sig != $0 { sig = sig " " $0 }
    sig != "" && /\)/ {
        if (sig ~ /const char \*(key|dotted)[,)]/ && match(sig, /[a-z_][a-z0-9_]*\(/))
            print substr(sig, RSTART, RLENGTH - 1)
        sig = ""
    }' | LC_ALL=C sort -u)
out=$(find report cli engine -name '*.[ch]' | LC_ALL=C sort | while IFS= read -r f; do
    case $f in report/results_fields.[ch]) continue ;; esac
    case $exempt in *"
$f
"*) continue ;; esac
    awk -v file="$f" -v names="$names" -v keyfns="$keyfns" '
        BEGIN {
            k = split(names, a, "\n"); for (i = 1; i <= k; i++) is_name[a[i]] = 1
            k = split(keyfns, a, "\n"); for (i = 1; i <= k; i++) is_keyfn[a[i]] = 1
        }
        # The identifier of the call whose argument list is open at the end of s.
        function open_call(s,    i, depth, c, j) {
            depth = 0
            for (i = length(s); i > 0; i--) {
                c = substr(s, i, 1)
                if (c == ")") depth++
                else if (c == "(") {
                    if (depth == 0) {
                        j = i - 1
                        while (j > 0 && substr(s, j, 1) ~ /[A-Za-z0-9_]/) j--
                        return substr(s, j + 1, i - j - 1)
                    }
                    depth--
                } else if (c == ";" || c == "{") return ""
            }
            return ""
        }
        # Whether s holds two or more string literals that are all names, and
        # nothing else but the punctuation of a list (a brace list in s, or s
        # a line of one).
        function names_only(s,    t, lits, k, i, g) {
            if (match(s, /\{[ \t]*"[^"]*"([ \t]*,[ \t]*"[^"]*")+[ \t]*(,[ \t]*NULL[ \t]*)?,?[ \t]*\}/))
                s = substr(s, RSTART, RLENGTH)
            else if (s !~ /^[ \t]*"[^"]*"([ \t]*,[ \t]*"[^"]*")*[ \t]*,?[ \t]*$/)
                return 0
            t = s; k = 0
            while (match(t, /"[^"]*"/)) {
                lits = substr(t, RSTART + 1, RLENGTH - 2)
                if (!(lits in is_name)) return 0
                k++; t = substr(t, RSTART + RLENGTH)
            }
            return k >= 2
        }
        function all_names(s,    k, p, i) {
            k = split(s, p, ".")
            if (k < 2) return 0
            for (i = 1; i <= k; i++) if (!(p[i] in is_name)) return 0
            return 1
        }
        {
            line = $0
            # comments: drop what a block comment covers, and // to the end
            if (incomment) {
                e = index(line, "*/")
                if (!e) next
                line = substr(line, e + 2); incomment = 0
            }
            while ((s = index(line, "/*")) > 0) {
                e = index(substr(line, s + 2), "*/")
                if (!e) { line = substr(line, 1, s - 1); incomment = 1; break }
                line = substr(line, 1, s - 1) " " substr(line, s + 2 + e + 1)
            }
            if (line ~ /^[ \t]*#[ \t]*include/) next
            keylist = line ~ /PB_F_[A-Z]/ || names_only(line)
            rest = line; before = carry " "
            while (match(rest, /"([^"\\]|\\.)*"/)) {
                lit = substr(rest, RSTART + 1, RLENGTH - 2)
                before = before substr(rest, 1, RSTART - 1)
                why = ""
                if ((lit in is_name) && lit ~ /_/) why = "field name"
                else if (all_names(lit)) why = "field path"
                else if (lit in is_name) {
                    fn = open_call(before)
                    if (fn ~ /^cJSON_.*Object/ || (fn in is_keyfn)) why = "field key of " fn "()"
                    else if (keylist) why = "in a list of keys"
                }
                if (why != "")
                    printf "%s:%d: \"%s\" (%s): use results_fields.h\n", file, FNR, lit, why
                before = before substr(rest, RSTART, RLENGTH)
                rest = substr(rest, RSTART + RLENGTH)
            }
            # what a call open at the end of this line has said so far
            carry = line ~ /[;{}][ \t]*$/ ? "" : carry " " line
        }' "$f"
done)
if [ -n "$out" ]; then
    printf '%s\n' "$out"
    echo "field_owner: $(printf '%s\n' "$out" | wc -l) field names spelled outside $owner"
    exit 1
fi
echo "field_owner: $n names, none spelled outside $owner"
