# jq_workload.jq: a fixed workload for jq -n (no input): builds 20000 objects,
# groups, sorts, rewrites and serialises them.
[range(0; 20000) | {id: ., name: ("item-" + tostring), tags: [range(0; . % 5) | tostring], score: ((. * 37) % 101)}]
| group_by(.score)
| map({score: .[0].score, n: length, names: (map(.name) | sort | .[0:3]), tagcount: (map(.tags | length) | add)})
| sort_by(-.n, .score)
| {top: .[0:5], total: (map(.n) | add), text: (tojson | length)}
