# programs.sh -- the shipped programs and their fixed inputs, shared by record-all.sh
# (which records their traces) and bench/fidelity.sh (which runs them whole beside the
# replays). Source it, then `each_program FN` from a directory holding a copy of src/:
# for each program it makes that program's input there if needed, exports its
# environment, calls FN NAME VERSION ENVDESC -- CMD [ARGS...], and unsets it again.
# Needs: sqlite3, python3, perl, gcc, git, jq, cmake (all Debian packages).
# The last two are multi-threaded: their traces have t lines.
each_program() {
    fn=$1

    # sqlite3: an in-memory database, tables from recursive CTEs, joins, updates
    $fn sqlite3 "sqlite3 $(sqlite3 --version | cut -d' ' -f1)" "" -- sqlite3 :memory: ".read sqlite.sql"

    # python3: every object through malloc, fixed hash seed
    export PYTHONMALLOC=malloc PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1
    $fn python3 "$(/usr/bin/python3 --version)" "PYTHONMALLOC=malloc PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1" \
        -- /usr/bin/python3 -S python_workload.py
    unset PYTHONMALLOC PYTHONHASHSEED PYTHONDONTWRITEBYTECODE

    # perl: hashes, regexes, sorting, fixed hash seed
    export PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0
    $fn perl "perl $(perl -e 'print $^V')" "PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0" -- perl perl_workload.pl
    unset PERL_HASH_SEED PERL_PERTURB_KEYS

    # gcc: the C compiler proper (cc1, what `gcc -O2 -c` runs) on a generated file
    [ -f input.c ] || awk -v n=100 -f gen_c_input.awk > input.c
    $fn gcc-cc1 "gcc $(gcc -dumpfullversion)" "" -- "$(gcc -print-prog-name=cc1)" -quiet -O2 input.c -o /dev/null

    # git: log -p --stat over a fixed 26-commit history
    [ -d "$PWD/repo" ] || sh git_workload.sh "$PWD/repo" > /dev/null
    pb_saved_home=$HOME
    export HOME="$PWD/repo" GIT_CONFIG_NOSYSTEM=1
    $fn git-log "$(git --version)" "HOME=repo GIT_CONFIG_NOSYSTEM=1 (after sh git_workload.sh repo)" \
        -- git -C repo --no-pager log -p --stat --no-color
    unset GIT_CONFIG_NOSYSTEM
    export HOME="$pb_saved_home"

    # jq: builds, groups and sorts 20000 JSON objects (no input file)
    $fn jq "$(jq --version)" "" -- jq -n -c -f jq_workload.jq

    # cmake: a C++ program (operator new/delete) running a list/regex script
    $fn cmake "$(cmake --version | head -1)" "" -- cmake -P cmake_workload.cmake

    # threads: python3's thread pool handing objects to the main thread through a queue
    # (many blocks freed by another thread than made them), and perl's ithreads (one
    # interpreter per thread: almost no block crosses)
    export PYTHONMALLOC=malloc PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1
    $fn python3-threads "$(/usr/bin/python3 --version)" "PYTHONMALLOC=malloc PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1" \
        -- /usr/bin/python3 -S python_threads.py
    unset PYTHONMALLOC PYTHONHASHSEED PYTHONDONTWRITEBYTECODE
    export PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0
    $fn perl-threads "perl $(perl -e 'print $^V')" "PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0" -- perl perl_threads.pl
    unset PERL_HASH_SEED PERL_PERTURB_KEYS
}
