#!/bin/sh
# git_workload.sh DIR: makes a fixed repository in DIR (which must not exist):
# 400 generated text files in 20 directories and 25 commits editing them, all
# with fixed names and dates, so the object IDs are the same on every run.
# record-all.sh then records `git log -p --stat` over that history.
set -eu
dir=$1
mkdir "$dir"
cd "$dir"
export GIT_CONFIG_NOSYSTEM=1 HOME="$dir" GIT_AUTHOR_NAME=pb GIT_AUTHOR_EMAIL=pb@example.org \
       GIT_COMMITTER_NAME=pb GIT_COMMITTER_EMAIL=pb@example.org \
       GIT_AUTHOR_DATE='2024-01-01T00:00:00Z' GIT_COMMITTER_DATE='2024-01-01T00:00:00Z'
git init -q -b main .
awk 'BEGIN {
    for (d = 0; d < 20; d++) {
        system("mkdir -p dir" d)
        for (f = 0; f < 20; f++) {
            out = "dir" d "/file" f ".txt"
            for (l = 0; l < 40 + (d * f) % 50; l++)
                printf "line %d of file %d in dir %d: %s\n", l, f, d, substr("the quick brown fox jumps over the lazy dog", 1 + (l % 30)) > out
            close(out)
        }
    }
}'
git add -A
git commit -q -m initial
for c in $(seq 1 25); do
    awk -v c="$c" 'BEGIN { for (d = c % 3; d < 20; d += 3) for (f = c % 4; f < 20; f += 4) {
        out = "dir" d "/file" f ".txt"; printf "edit %d of file %d in dir %d\n", c, f, d >> out; close(out) } }'
    git commit -q -a -m "edit $c"
done
