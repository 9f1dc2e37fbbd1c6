# A thread pool: 4 workers build dicts and lists of strings, hand results back to the
# main thread through a queue (so blocks are freed by other threads than made them).
import threading, queue
def work(n, out):
    for i in range(n):
        d = {str(k): [str(k * j) for j in range(8)] for k in range(40)}
        out.put(d)
q = queue.Queue(maxsize=64)
ts = [threading.Thread(target=work, args=(120, q)) for _ in range(4)]
for t in ts: t.start()
total = 0
for _ in range(480):
    d = q.get()
    total += sum(len(v) for v in d.values())
for t in ts: t.join()
print(total)
