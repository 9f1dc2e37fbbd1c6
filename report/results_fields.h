/*
 * results_fields.h -- the one owner of the field names of the results family
 * (poolbench-results/1 and poolbench-bench/1, docs/results.md). The writers
 * (results.c, rounds.c, workload_json.c, bench_results.c, fidelity.c, the
 * config of run_opts.c and cmd_bench.c) name every key through a PB_F_
 * constant, and the readers reach nested figures through a pb_res_path, so
 * no other file spells a field. tests/field_owner.sh fails on a literal field
 * name anywhere else in report/, cli/ and engine/, taking its list from the
 * PB_F_ lines below: a field added here is covered at once.
 */
#ifndef PB_RESULTS_FIELDS_H
#define PB_RESULTS_FIELDS_H

#include <cjson/cJSON.h>

/* Every key of the family, alphabetically; docs/results.md says which object
 * holds it and what it means. One name may stand in several objects ("median"
 * in every distribution, "threads" in config, a run, time and workload). */
#define PB_F_ALLOC "alloc"
#define PB_F_ALLOCATION_SECONDS "allocation_seconds"
#define PB_F_ALLOCATION_SHARE "allocation_share"
#define PB_F_ALLOCATOR "allocator"
#define PB_F_ALLOCATOR_CONFIG "allocator_config"
#define PB_F_ALLOCATOR_PEAK_RESIDENT_BYTES "allocator_peak_resident_bytes"
#define PB_F_ALLOCATOR_SPEC "allocator_spec"
#define PB_F_ALLOCATORS "allocators"
#define PB_F_ALLOCS "allocs"
#define PB_F_ARGV "argv"
#define PB_F_BACKEND "backend"
#define PB_F_BACKEND_CONFIG "backend_config"
#define PB_F_BACKEND_SPEC "backend_spec"
#define PB_F_BACKENDS "backends"
#define PB_F_BASELINE "baseline"
#define PB_F_BELOW_BASELINE "below_baseline"
#define PB_F_BUCKETS "buckets"
#define PB_F_BUILD_TYPE "build_type"
#define PB_F_CAUSES "causes"
#define PB_F_CDF_NS "cdf_ns"
#define PB_F_CFLAGS "cflags"
#define PB_F_CHECK_OUTPUT "check_output"
#define PB_F_CHUNKS_CARVED "chunks_carved"
#define PB_F_CHUNKS_LIVE "chunks_live"
#define PB_F_CI_HIGH "ci_high"
#define PB_F_CI_LEVEL "ci_level"
#define PB_F_CI_LOW "ci_low"
#define PB_F_CI_METHOD "ci_method"
#define PB_F_CLASSES "classes"
#define PB_F_CLOCK "clock"
#define PB_F_COLD "cold"
#define PB_F_COLD_NS_PER_OP "cold_ns_per_op"
#define PB_F_COLD_USAGE "cold_usage"
#define PB_F_COMMAND "command"
#define PB_F_COMPILER "compiler"
#define PB_F_CONFIG "config"
#define PB_F_CORES "cores"
#define PB_F_COUNT "count"
#define PB_F_CPU "cpu"
#define PB_F_CREATED "created"
#define PB_F_CROSS_FREE "cross_free"
#define PB_F_CROSS_THREAD_FREES "cross_thread_frees"
#define PB_F_CROSS_THREAD_REALLOCS "cross_thread_reallocs"
#define PB_F_CWD "cwd"
#define PB_F_DISAGREEMENTS "disagreements"
#define PB_F_ERROR "error"
#define PB_F_EVENT "event"
#define PB_F_EVENTS "events"
#define PB_F_EVERY "every"
#define PB_F_EXIT_STATUS "exit_status"
#define PB_F_EXPECT_EXIT "expect_exit"
#define PB_F_FIDELITY "fidelity"
#define PB_F_FOOTPRINT_BYTES "footprint_bytes"
#define PB_F_FRAGMENTATION "fragmentation"
#define PB_F_FREE "free"
#define PB_F_FREES "frees"
#define PB_F_GIT "git"
#define PB_F_GRANTED_BYTES "granted_bytes"
#define PB_F_GRANTED_BYTES_AT_PEAK "granted_bytes_at_peak"
#define PB_F_INSTANCES "instances"
#define PB_F_INTERNAL_FRAGMENTATION "internal_fragmentation"
#define PB_F_INTERRUPTED "interrupted"
#define PB_F_INVOLUNTARY_SWITCHES "involuntary_switches"
#define PB_F_INVOLUNTARY_SWITCHES_PER_KOP "involuntary_switches_per_kop"
#define PB_F_KERNEL "kernel"
#define PB_F_KIND "kind"
#define PB_F_LATENCY "latency"
#define PB_F_LIBC "libc"
#define PB_F_LIBRARY "library"
#define PB_F_LIFETIME_HISTOGRAM "lifetime_histogram"
#define PB_F_LIVE_BLOCKS_AT_END "live_blocks_at_end"
#define PB_F_LIVE_BYTES "live_bytes"
#define PB_F_LIVE_BYTES_AT_END "live_bytes_at_end"
#define PB_F_LONGEST_CHAIN "longest_chain"
#define PB_F_MACHINE "machine"
#define PB_F_MAJOR_FAULTS "major_faults"
#define PB_F_MAJOR_FAULTS_PER_KOP "major_faults_per_kop"
#define PB_F_MAX "max"
#define PB_F_MAX_EVENTS "max_events"
#define PB_F_MAX_LIVE_BYTES "max_live_bytes"
#define PB_F_MAX_NS "max_ns"
#define PB_F_MAX_WASTED_PAGE_BYTES "max_wasted_page_bytes"
#define PB_F_MEAN_WASTED_PAGE_BYTES "mean_wasted_page_bytes"
#define PB_F_MEDIAN "median"
#define PB_F_MEMORY "memory"
#define PB_F_MEMORY_CORRELATION "memory_correlation"
#define PB_F_MIN "min"
#define PB_F_MINOR_FAULTS "minor_faults"
#define PB_F_MINOR_FAULTS_PER_KOP "minor_faults_per_kop"
#define PB_F_N "n"
#define PB_F_NAME "name"
#define PB_F_NET "net"
#define PB_F_NET_NS_PER_OP "net_ns_per_op"
#define PB_F_NOISY "noisy"
#define PB_F_NOTES "notes"
#define PB_F_NS "ns"
#define PB_F_NS_PER_OP "ns_per_op"
#define PB_F_NS_PER_TICK "ns_per_tick"
#define PB_F_OCCUPIED_BYTES "occupied_bytes"
#define PB_F_OCCUPIED_PAGE_BYTES_AT_END "occupied_page_bytes_at_end"
#define PB_F_OCCUPIED_PAGE_BYTES_AT_PEAK "occupied_page_bytes_at_peak"
#define PB_F_OPS "ops"
#define PB_F_OPS_ALL_THREADS "ops_all_threads"
#define PB_F_OPS_PER_SEC "ops_per_sec"
#define PB_F_ORDER "order"
#define PB_F_OUTPUT "output"
#define PB_F_OUTPUT_BYTES "output_bytes"
#define PB_F_OUTPUT_SHA256 "output_sha256"
#define PB_F_P50_NS "p50_ns"
#define PB_F_P999_NS "p999_ns"
#define PB_F_P99_NS "p99_ns"
#define PB_F_PAGE_SIZE "page_size"
#define PB_F_PARAMS "params"
#define PB_F_PASS_SECONDS "pass_seconds"
#define PB_F_PATH "path"
#define PB_F_PEAK_FOOTPRINT_BYTES "peak_footprint_bytes"
#define PB_F_PEAK_LIVE_BLOCKS "peak_live_blocks"
#define PB_F_PEAK_LIVE_BYTES "peak_live_bytes"
#define PB_F_PEAK_RESIDENT_BYTES "peak_resident_bytes"
#define PB_F_PEAK_RSS_BYTES "peak_rss_bytes"
#define PB_F_PER_ROUND "per_round"
#define PB_F_PER_THREAD "per_thread"
#define PB_F_POSITION "position"
#define PB_F_PROGRAM "program"
#define PB_F_QUIET "quiet"
#define PB_F_REALLOCS "reallocs"
#define PB_F_REPEAT "repeat"
#define PB_F_REPEATS "repeats"
#define PB_F_REPLAY "replay"
#define PB_F_REPLAY_BACKEND "replay_backend"
#define PB_F_REPLAY_NET_NS_PER_OP "replay_net_ns_per_op"
#define PB_F_REPLAY_NS_PER_OP "replay_ns_per_op"
#define PB_F_REPLAY_OPS "replay_ops"
#define PB_F_REPLAY_PEAK_RESIDENT_BYTES "replay_peak_resident_bytes"
#define PB_F_RESETS "resets"
#define PB_F_RESIDENT_BYTES "resident_bytes"
#define PB_F_RESIDENT_BYTES_AT_END "resident_bytes_at_end"
#define PB_F_RESIDENT_BYTES_AT_LIVE_PEAK "resident_bytes_at_live_peak"
#define PB_F_RESIDENT_METHOD "resident_method"
#define PB_F_ROUND "round"
#define PB_F_ROUNDS "rounds"
#define PB_F_ROUNDS_DONE "rounds_done"
#define PB_F_ROWS "rows"
#define PB_F_RUNS "runs"
#define PB_F_SAMPLE_EVERY "sample_every"
#define PB_F_SAMPLE_EVERY_MEANING "sample_every_meaning"
#define PB_F_SAMPLES "samples"
#define PB_F_SCHEMA "schema"
#define PB_F_SEED "seed"
#define PB_F_SEED_GIVEN "seed_given"
#define PB_F_SHA256 "sha256"
#define PB_F_SHARE "share"
#define PB_F_SIGNAL "signal"
#define PB_F_SIZE "size"
#define PB_F_SIZE_HISTOGRAM "size_histogram"
#define PB_F_SLABS "slabs"
#define PB_F_SOURCE "source"
#define PB_F_SPEARMAN "spearman"
#define PB_F_STATUS "status"
#define PB_F_STDIN "stdin"
#define PB_F_SYSTEM_SECONDS "system_seconds"
#define PB_F_SYSTEM_SHARE "system_share"
#define PB_F_TAG "tag"
#define PB_F_THREAD "thread"
#define PB_F_THREADS "threads"
#define PB_F_TID "tid"
#define PB_F_TIME "time"
#define PB_F_TIME_CORRELATION "time_correlation"
#define PB_F_TIMELINE "timeline"
#define PB_F_TIMEOUT "timeout"
#define PB_F_TIMER "timer"
#define PB_F_TIMER_OVERHEAD_NS "timer_overhead_ns"
#define PB_F_TIMER_RESOLUTION_NS "timer_resolution_ns"
#define PB_F_TOOL "tool"
#define PB_F_TOTAL_REQUESTED_BYTES "total_requested_bytes"
#define PB_F_TOUCH "touch"
#define PB_F_TRACE "trace"
#define PB_F_TRACE_THREADS "trace_threads"
#define PB_F_TRACES "traces"
#define PB_F_UNFREED "unfreed"
#define PB_F_USAGE "usage"
#define PB_F_USER_SECONDS "user_seconds"
#define PB_F_UTILISATION "utilisation"
#define PB_F_VERSION "version"
#define PB_F_VOLUNTARY_SWITCHES "voluntary_switches"
#define PB_F_VOLUNTARY_SWITCHES_PER_KOP "voluntary_switches_per_kop"
#define PB_F_WAIT "wait"
#define PB_F_WAIT_NS "wait_ns"
#define PB_F_WAIT_SHARE "wait_share"
#define PB_F_WAITS "waits"
#define PB_F_WALL_SECONDS "wall_seconds"
#define PB_F_WARM "warm"
#define PB_F_WARMUP "warmup"
#define PB_F_WASTED_PAGE_BYTES "wasted_page_bytes"
#define PB_F_WASTED_PAGE_BYTES_AT_END "wasted_page_bytes_at_end"
#define PB_F_WASTED_PAGE_BYTES_AT_LIVE_PEAK "wasted_page_bytes_at_live_peak"
#define PB_F_WITHIN_NOISE "within_noise"
#define PB_F_WORKLOAD "workload"
#define PB_F_WORKLOADS "workloads"

/* The values of time.instances: the first reads like a key, so it is spelled
 * here too (docs/results.md, "With --threads N"). */
#define PB_V_INSTANCES_PER_THREAD "per_thread"
#define PB_V_INSTANCES_SHARED "shared"

/* The nested figures the readers look up, each a path of PB_F_ keys walked
 * from the object given to pb_res_at (a run for time., memory., workload.
 * and latency.; a document for config., machine., tool. and program.; a
 * latency object for alloc. and free.; a time object for the rest). */
enum pb_res_path {
    PB_RP_ALLOC_MAX_NS,
    PB_RP_ALLOC_P50_NS,
    PB_RP_ALLOC_P999_NS,
    PB_RP_ALLOC_P99_NS,
    PB_RP_CAUSES_MINOR_FAULTS,
    PB_RP_CAUSES_MINOR_FAULTS_MEDIAN,
    PB_RP_CAUSES_WARM,
    PB_RP_COLD_NS_PER_OP_MEDIAN,
    PB_RP_CONFIG_CPU,
    PB_RP_CONFIG_CROSS_FREE,
    PB_RP_CONFIG_REPEAT,
    PB_RP_CONFIG_ROUNDS,
    PB_RP_CONFIG_SAMPLE_EVERY,
    PB_RP_CONFIG_THREADS,
    PB_RP_CONFIG_TOUCH,
    PB_RP_CONFIG_WARMUP,
    PB_RP_FREE_MAX_NS,
    PB_RP_FREE_P50_NS,
    PB_RP_FREE_P999_NS,
    PB_RP_FREE_P99_NS,
    PB_RP_LATENCY_ALLOC_COUNT,
    PB_RP_LATENCY_ALLOC_MAX_NS,
    PB_RP_LATENCY_ALLOC_P50_NS,
    PB_RP_LATENCY_ALLOC_P999_NS,
    PB_RP_LATENCY_ALLOC_P99_NS,
    PB_RP_LATENCY_EVERY,
    PB_RP_LATENCY_FREE_COUNT,
    PB_RP_LATENCY_FREE_MAX_NS,
    PB_RP_LATENCY_FREE_P50_NS,
    PB_RP_LATENCY_FREE_P999_NS,
    PB_RP_LATENCY_FREE_P99_NS,
    PB_RP_LATENCY_NS_PER_TICK,
    PB_RP_LATENCY_TIMER_OVERHEAD_NS,
    PB_RP_LATENCY_TIMER_RESOLUTION_NS,
    PB_RP_MACHINE_CORES,
    PB_RP_MACHINE_CPU,
    PB_RP_MACHINE_KERNEL,
    PB_RP_MACHINE_LIBC,
    PB_RP_MACHINE_PAGE_SIZE,
    PB_RP_MEMORY_ALLOCATOR_PEAK_RESIDENT_BYTES,
    PB_RP_MEMORY_FRAGMENTATION,
    PB_RP_MEMORY_GRANTED_BYTES_AT_PEAK,
    PB_RP_MEMORY_INTERNAL_FRAGMENTATION,
    PB_RP_MEMORY_MAX_WASTED_PAGE_BYTES,
    PB_RP_MEMORY_MEAN_WASTED_PAGE_BYTES,
    PB_RP_MEMORY_OCCUPIED_PAGE_BYTES_AT_END,
    PB_RP_MEMORY_OCCUPIED_PAGE_BYTES_AT_PEAK,
    PB_RP_MEMORY_PASS_SECONDS,
    PB_RP_MEMORY_PEAK_FOOTPRINT_BYTES,
    PB_RP_MEMORY_PEAK_RESIDENT_BYTES,
    PB_RP_MEMORY_PEAK_RSS_BYTES,
    PB_RP_MEMORY_PEAK_RSS_BYTES_MEDIAN,
    PB_RP_MEMORY_RESIDENT_BYTES_AT_END,
    PB_RP_MEMORY_RESIDENT_BYTES_AT_LIVE_PEAK,
    PB_RP_MEMORY_WASTED_PAGE_BYTES,
    PB_RP_MEMORY_WASTED_PAGE_BYTES_AT_END,
    PB_RP_MEMORY_WASTED_PAGE_BYTES_AT_LIVE_PEAK,
    PB_RP_NS_PER_OP_SAMPLES,
    PB_RP_PROGRAM_COMMAND,
    PB_RP_PROGRAM_NAME,
    PB_RP_TIME_CAUSES_COLD_INVOLUNTARY_SWITCHES_PER_KOP,
    PB_RP_TIME_CAUSES_COLD_MAJOR_FAULTS_PER_KOP,
    PB_RP_TIME_CAUSES_COLD_MINOR_FAULTS_PER_KOP,
    PB_RP_TIME_CAUSES_COLD_SYSTEM_SHARE,
    PB_RP_TIME_CAUSES_COLD_VOLUNTARY_SWITCHES_PER_KOP,
    PB_RP_TIME_CAUSES_WARM_INVOLUNTARY_SWITCHES_PER_KOP,
    PB_RP_TIME_CAUSES_WARM_MAJOR_FAULTS_PER_KOP,
    PB_RP_TIME_CAUSES_WARM_MINOR_FAULTS_PER_KOP,
    PB_RP_TIME_CAUSES_WARM_SYSTEM_SHARE,
    PB_RP_TIME_CAUSES_WARM_VOLUNTARY_SWITCHES_PER_KOP,
    PB_RP_TIME_COLD_NS_PER_OP_CI_HIGH,
    PB_RP_TIME_COLD_NS_PER_OP_CI_LEVEL,
    PB_RP_TIME_COLD_NS_PER_OP_CI_LOW,
    PB_RP_TIME_COLD_NS_PER_OP_MAX,
    PB_RP_TIME_COLD_NS_PER_OP_MEDIAN,
    PB_RP_TIME_COLD_NS_PER_OP_MIN,
    PB_RP_TIME_COLD_NS_PER_OP_NOISY,
    PB_RP_TIME_CROSS_FREE,
    PB_RP_TIME_NET_BELOW_BASELINE,
    PB_RP_TIME_NET_CI_HIGH,
    PB_RP_TIME_NET_CI_LEVEL,
    PB_RP_TIME_NET_CI_LOW,
    PB_RP_TIME_NET_MAX,
    PB_RP_TIME_NET_MEDIAN,
    PB_RP_TIME_NET_MIN,
    PB_RP_TIME_NET_NOISY,
    PB_RP_TIME_NET_WITHIN_NOISE,
    PB_RP_TIME_NET_NS_PER_OP,
    PB_RP_TIME_NS_PER_OP,
    PB_RP_TIME_NS_PER_OP_CI_HIGH,
    PB_RP_TIME_NS_PER_OP_CI_LEVEL,
    PB_RP_TIME_NS_PER_OP_CI_LOW,
    PB_RP_TIME_NS_PER_OP_MAX,
    PB_RP_TIME_NS_PER_OP_MEDIAN,
    PB_RP_TIME_NS_PER_OP_MIN,
    PB_RP_TIME_NS_PER_OP_NOISY,
    PB_RP_TIME_NS_PER_OP_SAMPLES,
    PB_RP_TIME_OPS,
    PB_RP_TIME_OPS_PER_SEC_CI_HIGH,
    PB_RP_TIME_OPS_PER_SEC_CI_LEVEL,
    PB_RP_TIME_OPS_PER_SEC_CI_LOW,
    PB_RP_TIME_OPS_PER_SEC_MAX,
    PB_RP_TIME_OPS_PER_SEC_MEDIAN,
    PB_RP_TIME_OPS_PER_SEC_MIN,
    PB_RP_TIME_OPS_PER_SEC_NOISY,
    PB_RP_TIME_REPEATS,
    PB_RP_TIME_ROUNDS,
    PB_RP_TIME_SYSTEM_SECONDS,
    PB_RP_TIME_THREADS,
    PB_RP_TIME_USER_SECONDS,
    PB_RP_TIME_WALL_SECONDS,
    PB_RP_TIME_WARMUP,
    PB_RP_TOOL_BUILD_TYPE,
    PB_RP_TOOL_CFLAGS,
    PB_RP_TOOL_COMPILER,
    PB_RP_TOOL_GIT,
    PB_RP_WAIT_OF_SHARE_MEDIAN, /* wait.share.median, in a round */
    PB_RP_WAIT_SHARE_MEDIAN,
    PB_RP_WORKLOAD_ALLOCS,
    PB_RP_WORKLOAD_CROSS_THREAD_FREES,
    PB_RP_WORKLOAD_CROSS_THREAD_REALLOCS,
    PB_RP_WORKLOAD_EVENTS,
    PB_RP_WORKLOAD_FREES,
    PB_RP_WORKLOAD_LIVE_BLOCKS_AT_END,
    PB_RP_WORKLOAD_LIVE_BYTES_AT_END,
    PB_RP_WORKLOAD_LONGEST_CHAIN,
    PB_RP_WORKLOAD_NAME,
    PB_RP_WORKLOAD_PEAK_LIVE_BLOCKS,
    PB_RP_WORKLOAD_PEAK_LIVE_BYTES,
    PB_RP_WORKLOAD_REALLOCS,
    PB_RP_WORKLOAD_RESETS,
    PB_RP_WORKLOAD_SHA256,
    PB_RP_WORKLOAD_THREADS,
    PB_RP_WORKLOAD_TOTAL_REQUESTED_BYTES,
    PB_RP_COUNT
};

/* The member key (a PB_F_ name) of obj; NULL when it is absent or obj is
 * not an object. */
const cJSON *pb_res_get(const cJSON *obj, const char *key);

/* The dotted text of a path ("time.ns_per_op.median"), as CSV columns and
 * comparison lines name a figure. */
const char *pb_res_path_text(enum pb_res_path p);

/* The item at path p under obj, or NULL when a step is missing. */
const cJSON *pb_res_at(const cJSON *obj, enum pb_res_path p);

/* The number at path p under obj, or NaN when a step is missing or the value
 * is null or not a number. */
double pb_res_num(const cJSON *obj, enum pb_res_path p);

/* The count at path p under obj as pb_json_count reads it (0 when missing,
 * INT_MAX above it). */
int pb_res_count(const cJSON *obj, enum pb_res_path p);

#endif /* PB_RESULTS_FIELDS_H */
