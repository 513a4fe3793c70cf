# Independent k-means reference: same initialisation rule, Lloyd with math.fsum (exactly rounded sums).
import math, sys
M = (1 << 64) - 1
def mix64(z):
    z = (z + 0x9E3779B97F4A7C15) & M
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return z ^ (z >> 31)
path, k, iters, tol, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
pts = []
off = 0
for raw in open(path, 'rb').read().split(b'\n'):
    line = raw.decode()
    s = line.strip(' \t')
    if s and not s.startswith('#'):
        try:
            pts.append((off, [float(x) for x in line.split(',')]))
        except ValueError:
            if off != 0: raise
    off += len(raw) + 1
cands = sorted((mix64(seed ^ mix64(0 ^ mix64(o))), 0, o, tuple(p)) for o, p in pts)
best, seen = [], set()
for c in cands:
    if c[3] in seen: continue
    seen.add(c[3]); best.append(list(c[3]))
    if len(best) == k: break
C = best
dims = len(C[0])
for it in range(1, iters + 1):
    groups = [[] for _ in range(k)]
    for _, p in pts:
        bi, bd = 0, None
        for ci, q in enumerate(C):
            d = 0.0
            for i in range(dims): d += (p[i] - q[i]) * (p[i] - q[i])
            if bd is None or d < bd: bi, bd = ci, d
        groups[bi].append(p)
    moved = 0.0
    for ci in range(k):
        if not groups[ci]: continue
        new = [math.fsum(p[i] for p in groups[ci]) / len(groups[ci]) for i in range(dims)]
        d2 = 0.0
        for i in range(dims): d2 += (new[i] - C[ci][i]) ** 2
        moved = max(moved, math.sqrt(d2)); C[ci] = new
    if not moved > tol: break
print(''.join(sorted(','.join(repr(x) for x in c) + '\n' for c in C)), end='')
