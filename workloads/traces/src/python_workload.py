# python_workload.py: a fixed workload for CPython with PYTHONMALLOC=malloc
# (every object allocation goes to malloc). Deterministic: a fixed LCG, no
# hashing of str (PYTHONHASHSEED=0 is set by record-all.sh), no clock.
import json


def lcg(seed):
    while True:
        seed = (seed * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        yield seed >> 33


def main():
    rnd = lcg(42)
    words = ["".join(chr(97 + next(rnd) % 26) for _ in range(3 + next(rnd) % 9))
             for _ in range(2000)]
    counts = {}
    for i in range(20000):
        w = words[next(rnd) % len(words)]
        counts[w] = counts.get(w, 0) + 1
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    records = [{"id": i, "name": words[i % len(words)], "tags": words[i % 7: i % 7 + 3],
                "score": (i * 37) % 101} for i in range(2500)]
    text = json.dumps(records)
    back = json.loads(text)
    by_score = {}
    for r in back:
        by_score.setdefault(r["score"], []).append(r["name"].upper())
    lines = [" ".join(v[:5]) for k, v in sorted(by_score.items())]
    tree = None
    for i in range(2000):
        tree = (tree, i, str(i) * 3)
    depth = 0
    while tree is not None:
        tree = tree[0]
        depth += 1
    print(len(text), len(lines), depth, top[0])


main()
