#!/bin/sh
# fuzz/make-corpus.sh [POOLBENCH]: (re)make the seed corpora in fuzz/corpus/NAME/
# from the test fixtures and a few tiny generated traces. The seeds are
# checked in; run this again when the formats change.
set -eu
cd "$(dirname "$0")/.."
pb=${1:-build/poolbench}
c=fuzz/corpus
rm -rf "$c"
mkdir -p "$c/trace_text" "$c/trace_binary" "$c/job_file" "$c/mtrace_import" "$c/heaptrack_import"

# text traces: the fixtures, and small ones covering tags, ALIGN, hex, CRLF, x
cp tests/data/*.trace "$c/trace_text/"
printf 'poolbench-trace 1\n# tags and alignment\na 0x10 8 64 @Node\n\ta 2\t0x20 @std::vector<int>\nr 0x10 100\nf 2\nx\na 2 0\n' \
    >"$c/trace_text/tags_align.trace"
printf 'a 1 8\r\nf 1\r\n\r\n   \r\na 9223372036854775807 1099511627776 4096\n' >"$c/trace_text/crlf_bounds.trace"
printf 'a 1 8 # note\nf 1 #\na 2 8#c\n' >"$c/trace_text/trailing_comment.trace"
printf 'a 1 8\nf 1\n\000\000\000\001ELF' >"$c/trace_text/nul.trace"
printf 'a 1 8\n# caf\303\251\nf 1\n' >"$c/trace_text/utf8.trace"
# threads (tests/data/threads.trace is copied above): bounds, repeats, a t with no events, errors
printf 't 65535\na 1 8\n\tt  00002 \nf 1\nt 0\nt 0\nx\nt 7\n' >"$c/trace_text/threads_edges.trace"
printf 't\nt 1 2\nt 65536\nt 0x1\nt -1\na 1 8\nt 1\na 1 8\n' >"$c/trace_text/threads_bad.trace"
"$pb" gen -w frames:frames=2,objects=3 -o "$c/trace_text/frames.trace"
"$pb" gen -w mixed:live=4,ops=12,realloc=0.3 -o "$c/trace_text/mixed.trace"

# binary twins (and a gzip'd text, which the same loader reads)
for t in example leftovers; do
    "$pb" convert "tests/data/$t.trace" "$c/trace_binary/$t.pbt"
done
"$pb" convert "$c/trace_text/tags_align.trace" "$c/trace_binary/tags_align.pbt"
"$pb" convert "$c/trace_text/mixed.trace" "$c/trace_binary/mixed.pbt"
cp tests/data/example.trace.gz "$c/trace_binary/"
"$pb" convert tests/data/threads.trace "$c/trace_binary/threads.pbt"
cp tests/data/example-v1.pbt "$c/trace_binary/" # the layout before the threads section

# damaged twins (the target also loads each with its checksum and file size made right):
# the event count off by one (an event read out of the ids), a count whose byte size
# overflows 64 bits, overlapping sections, a section past the end, trailing bytes
le64() { v=$1; i=0; while [ $i -lt 8 ]; do printf '\\%03o' $((v & 255)); v=$((v >> 8)); i=$((i + 1)); done; }
damage() { # NAME OFFSET VALUE: example.pbt with the u64 at OFFSET set to VALUE
    cp "$c/trace_binary/example.pbt" "$c/trace_binary/$1"
    printf "$(le64 "$3")" | dd of="$c/trace_binary/$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
damage events_plus1.pbt 24 8
damage events_minus1.pbt 24 6
damage events_huge.pbt 24 $(((1 << 60) + 1))
damage lines_plus1.pbt 40 2
damage ids_on_events.pbt 56 128
damage tags_past_end.pbt 72 4096
{ cat "$c/trace_binary/example.pbt"; printf 'trailing'; } >"$c/trace_binary/trailing.pbt"

# job files: the fixtures, and one small job per generator
cp tests/data/gen_job_*.json "$c/job_file/"
printf '{"generator": "churn", "params": {"size": 64, "live": 3, "pairs": 5, "order": "fifo", "align": 64}}\n' \
    >"$c/job_file/churn.json"
printf '{"generator": "gc", "name": "g", "params": {"objects": 30, "young": 5, "promote": 0.5, "types": 3, "major": 2}}\n' \
    >"$c/job_file/gc.json"
printf '[{"generator": "ramp", "params": {"peak": 9, "rounds": 2, "keep": 0.25, "dist": "invsquare"}},\n {"generator": "mixed", "params": {"sizes": "8x1+16x3", "ops": "1k", "seed": "0x10"}}]\n' \
    >"$c/job_file/ramp_mixed.json"

# --workload spec strings, which the same target reads
printf 'churn:size=64,live=3,pairs=5,order=fifo,align=64' >"$c/job_file/churn.spec"
printf 'mixed:sizes=8x1+16x3+100x2,realloc=0.5:seed=0x10' >"$c/job_file/mixed.spec"
printf 'ramp:dist=invsquare,min=1,max=1k,keep=0.25' >"$c/job_file/ramp.spec"
printf 'gc:objects=30,young=5,promote=1,types=3,major=0' >"$c/job_file/gc.spec"
printf 'frames:frames=2,objects=3,min=8,max=8' >"$c/job_file/frames.spec"

# sizes the estimate must refuse without allocating, and keys, nesting and text cJSON accepts
printf '{"generator": "frames", "params": {"frames": 100000000, "objects": 100000000}}\n' \
    >"$c/job_file/huge_frames.json"
printf '[{"generator": "churn"},\n {"generator": "gc", "params": {"objects": 1000000000}}]\n' \
    >"$c/job_file/huge_second.json"
printf '{"generator": "churn", "params": {"live": 100000000, "pairs": 0, "size": 1099511627776}}\n' \
    >"$c/job_file/huge_bytes.json"
printf '{"generator": "gc", "params": {"objects": 9000, "max": 30000, "promote": 0.2}}\n' \
    >"$c/job_file/gc_counted.json"
printf '{"generator": "churn", "params": {"size": 64,\n "size": 32}}\n' >"$c/job_file/dup_param.json"
printf '[{"generator": "churn", "name": "a", "name": "b"}]\n' >"$c/job_file/dup_field.json"
printf '{"generator": "churn"} {"generator": "gc"}\n' >"$c/job_file/trailing.json"
awk 'BEGIN { printf "{\"generator\": \"churn\", \"params\": "; for (i = 0; i < 1001; i++) printf "[" }' \
    >"$c/job_file/deep.json"
printf 'frames:frames=100000000,objects=100000000' >"$c/job_file/huge_frames.spec"
printf 'ramp:peak=100000000,rounds=1000000,sizes=1099511627776' >"$c/job_file/huge_ramp.spec"
printf 'mixed:live=1,ops=19000,realloc=0,sizes=1+1099511627776' >"$c/job_file/mixed_bound.spec"
printf 'gc:objects=9000,max=1099511627776' >"$c/job_file/gc_counted.spec"

# mtrace logs
cp tests/data/mtrace_*.log "$c/mtrace_import/"

# heaptrack captures: the fixtures (zstd, and the same as plain text and gzip), small hand-made
# ones covering inlined frames, unnamed ips, old formats, frees without blocks, unknown records
h=$c/heaptrack_import
cp tests/data/heaptrack_target.zst tests/data/heaptrack_bad.txt "$h/"
zstd -dc tests/data/heaptrack_target.zst >"$h/heaptrack_target.txt"
gzip -9n <"$h/heaptrack_target.txt" >"$h/heaptrack_target.gz"
printf 'v 10400 3\nX ./p a\ns 1 p\ns 2 in\ns 3 out\ns 3 a.c\ns 6 malloc\ni 10 1 2 4 5 3 4 9\nt 1 0\ni 20 1 5 4 1 3 4 c\nt 2 1\ni ab 1\nt 3 2\na 30 3\n+ 0\n+ 0\n- 0\na 10 2\n+ 1\n- 1\n- 1\nc 3\nR 1\nA\nZ x\n- 0\n' \
    >"$h/sites.txt"
printf 'v 10200\ns operator new(unsigned long)\ns std::vector<int, std::allocator<int> >::f(int) const\ni 1 0 1\ni 2 0 2\nt 2 0\nt 1 1\na 10000000001 2\na 8 1\n+ 0\n+ 1\n- 0\n- 1\n' \
    >"$h/old_format.txt"

# backend call sequences (fuzz_backends.c): byte 0 picks the backend, then
# alloc 32 (align 16), alloc 100 (align 64, tag 1), realloc to 300, free,
# alloc 65520, free_all, alloc 0, check
mkdir -p "$c/backends"
for k in 0 1 2 3 4 5 6 7 8 9 10 11 12 13; do
    { printf "\\$(printf '%03o' "$k")"
      printf '\100\001\040\000\141\102\144\000\105\001\054\001\003\002\000\000'
      printf '\102\003\377\117\006\000\000\000\100\004\000\000\007\000\000\000'; } \
        >"$c/backends/calls_$k.bin"
done

# SVG for the HTML report's rewriter (fuzz_html_svg.c): one chart as gnuplot draws it
# from a fixture, and a small picture with ids, url(#id), href and character references
mkdir -p "$c/html_svg"
svgdir=$(mktemp -d)
"$pb" plot --format svg tests/data/compare-base.json -o "$svgdir" >/dev/null
cp "$svgdir/timeline-churn.svg" "$c/html_svg/gnuplot-timeline.svg"
rm -rf "$svgdir"
printf '<svg><defs><path id="a" d="M0,0"/></defs><g fill="url(#a)" transform="rotate(90)"><use xlink:href="#a"/><text>&lt;x&gt; &amp; &#233;</text></g></svg>' \
    >"$c/html_svg/small.svg"
# results files (fuzz_results_csv.c): the fixtures small enough for -max_len, and a file
# whose one run failed with a message that needs quoting and defusing
mkdir -p "$c/results_csv"
cp tests/data/export-small.json tests/data/compare-base.json tests/data/results-hostile.json \
    tests/data/not-results.json "$c/results_csv/"
printf '{"schema": "poolbench-results/1", "machine": {}, "config": {"threads": [1, 2]},\n "runs": [{"backend": "pool", "workload": {"name": "=w,x"}, "status": "failed",\n  "error": "a \\"b\\"\\r\\nc", "time": null}]}\n' \
    >"$c/results_csv/failed.json"
# bench results (fuzz_bench_doc.c): two allocators of a tiny program, and one whose
# second allocator crashed
mkdir -p "$c/bench_doc"
lib=$(ldd /bin/sh | awk '/libc\.so/ {print $3}')
"$pb" bench -q --rounds 3 --warmup 0 --allocator "glibc,preload:$lib" -o "$c/bench_doc/two-allocators.json" \
    -- sh -c 'echo x'
"$pb" bench -q --rounds 2 --warmup 0 --allocator "glibc,preload:$lib" -o "$c/bench_doc/one-failed.json" \
    -- sh -c 'case "$LD_PRELOAD" in ?*) kill -SEGV $$;; esac' || true
# bench documents for the charts and the page (fuzz_bench_plot.c): the two above, the
# hostile fixture (a failed run, fidelity rows, a null replay figure), the same without
# its replay inside, and a replay results file
mkdir -p "$c/bench_plot"
cp "$c/bench_doc/"*.json tests/data/bench-hostile.json tests/data/export-small.json "$c/bench_plot/"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); del d["fidelity"]["replay"]; json.dump(d, open(sys.argv[2], "w"))' \
    tests/data/bench-hostile.json "$c/bench_plot/small.json"
# pb-module lines (fuzz_module_line.c): well-formed, escaped, with spaces, CRLF, malformed
mkdir -p "$c/module_line"
printf '# pb-module orders 8b709d28f368db34eff5f010d5aac5c4387345e6 /work/build/orders\n# pb-module libc.so.6 - /lib/x86_64-linux-gnu/libc.so.6\n' \
    >"$c/module_line/good.txt"
printf '  #\tpb-module a-b_c 00 /my dir/x\\x1b[31m\\x5c\\q\\x4\r\n# pb-module x 0a -\n' >"$c/module_line/escaped.txt"
printf '# pb-module\n# pb-module x\n# pb-module x 0 /a\n# pb-module x 00 rel\n# pb-module x 00 /a\\x00b\n# pb-modulex\n#pb-module y AB /z\n' \
    >"$c/module_line/malformed.txt"
