# Independent check of jobs/pi: the same chunked draws, in Python integers.
# usage: python3 reference.py SAMPLES SEED
import sys
M = (1 << 64) - 1
def splitmix(state):
    state = (state + 0x9E3779B97F4A7C15) & M
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return state, z ^ (z >> 31)
samples, seed = int(sys.argv[1]), int(sys.argv[2])
CHUNK = 1 << 20
hits = 0
for c in range((samples + CHUNK - 1) // CHUNK):
    _, a = splitmix(seed)
    _, b = splitmix(c)
    state = a ^ b
    for _ in range(min(CHUNK, samples - c * CHUNK)):
        state, r = splitmix(state)
        x, y = r >> 32, r & 0xFFFFFFFF
        hits += x * x + y * y < (1 << 64)
print("%.10f" % (4.0 * hits / samples))
