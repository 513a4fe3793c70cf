// cohort-generate: large synthetic inputs, fast and reproducible.
//
//   cohort-generate text   --size 1G --output corpus.txt [--seed 1] [--vocabulary 50000] [--zipf 1.0]
//   cohort-generate points --count 10000000 --output points.csv [--dims 2] [--clusters 5]
//                          [--spread 1.0] [--seed 1]
//   (both take --threads N; 0 = all CPUs)
//
// The output is cut into fixed blocks (4 MiB of text, 65536 points), block b
// drawn from its own generator seeded by (seed, b), generated in parallel and
// written in order: the same arguments give the same bytes for any --threads.
// Text: words from a synthetic vocabulary of lowercase words, drawn with Zipf
// frequencies (rank r has weight 1/r^zipf, sampled with an alias table); lines
// of 6-17 words, the first capitalised, some commas, a period at the end of a
// line. No word straddles a block; a block is padded with newlines when the next
// word does not fit. Points: CSV "x,y,..." with 6 decimals, each around one of
// --clusters centres (uniform in [-100, 100]^dims) with Gaussian noise of sd --spread.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

namespace {

struct Rng {  // splitmix64
  std::uint64_t s = 0;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(((next() >> 32) * n) >> 32); }
  double gaussian() {  // Box-Muller, both values of each pair used
    if (has_spare) {
      has_spare = false;
      return spare;
    }
    const double u = 1.0 - uniform(), v = uniform();
    const double r = std::sqrt(-2.0 * std::log(u));
    spare = r * std::sin(6.283185307179586 * v);
    has_spare = true;
    return r * std::cos(6.283185307179586 * v);
  }
  double spare = 0;
  bool has_spare = false;
};

Rng block_rng(std::uint64_t seed, std::uint64_t block) {
  Rng a{seed ^ 0x5851F42D4C957F2Dull};
  Rng b{block};
  Rng r;
  r.s = a.next() ^ b.next();
  return r;
}

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "cohort-generate: %s\n"
               "usage: cohort-generate text   --size BYTES[K|M|G] --output FILE [--seed N] [--vocabulary N] [--zipf S] [--threads N]\n"
               "       cohort-generate points --count N --output FILE [--dims D] [--clusters K] [--spread SD] [--seed N] [--threads N]\n"
               "(--output - writes to standard output)\n",
               why.c_str());
  std::exit(2);
}

std::uint64_t parse_size(const std::string& name, const std::string& v) {
  std::uint64_t n = 0;
  const char* end = v.data() + v.size();
  auto res = std::from_chars(v.data(), end, n);
  if (res.ec != std::errc{} || res.ptr == v.data()) usage("--" + name + " '" + v + "' is not a number");
  std::string suffix(res.ptr, end);
  std::uint64_t mul = 1;
  if (suffix == "K" || suffix == "k" || suffix == "KiB") mul = 1ull << 10;
  else if (suffix == "M" || suffix == "MiB") mul = 1ull << 20;
  else if (suffix == "G" || suffix == "GiB") mul = 1ull << 30;
  else if (!suffix.empty()) usage("--" + name + " '" + v + "': unknown suffix '" + suffix + "' (K, M or G)");
  return n * mul;
}

double parse_real(const std::string& name, const std::string& v) {
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !std::isfinite(d)) usage("--" + name + " '" + v + "' is not a number");
  return d;
}

// Generates blocks in parallel and writes them in order.
void run_blocks(std::uint64_t blocks, unsigned threads, int fd, const std::function<void(std::uint64_t, std::string&)>& make) {
  std::mutex m;
  std::condition_variable cv;
  std::map<std::uint64_t, std::string> ready;
  std::uint64_t next_write = 0;
  std::atomic<std::uint64_t> next_block{0};
  const std::uint64_t window = 2ull * threads + 2;
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      std::string buf;
      for (;;) {
        const std::uint64_t b = next_block.fetch_add(1);
        if (b >= blocks) return;
        {
          std::unique_lock lock(m);
          cv.wait(lock, [&] { return b < next_write + window; });
        }
        buf.clear();
        make(b, buf);
        std::lock_guard lock(m);
        ready.emplace(b, std::move(buf));
        buf = std::string();
        cv.notify_all();
      }
    });
  }
  std::string error;
  while (next_write < blocks) {
    std::string data;
    {
      std::unique_lock lock(m);
      cv.wait(lock, [&] { return ready.count(next_write) != 0; });
      data = std::move(ready[next_write]);
      ready.erase(next_write);
    }
    const char* p = data.data();
    std::size_t left = data.size();
    while (left > 0 && error.empty()) {
      const ssize_t n = ::write(fd, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) error = std::strerror(errno);
      else {
        p += n;
        left -= static_cast<std::size_t>(n);
      }
    }
    std::lock_guard lock(m);
    ++next_write;
    cv.notify_all();
  }
  for (auto& t : pool) t.join();
  if (!error.empty()) throw std::runtime_error("write failed: " + error);
}

struct Alias {  // Walker's alias method: O(1) draws from a discrete distribution
  std::vector<std::uint32_t> prob;  // threshold in 2^32 units
  std::vector<std::uint32_t> alias;
  explicit Alias(const std::vector<double>& w) : prob(w.size()), alias(w.size()) {
    const std::size_t n = w.size();
    double total = 0;
    for (double x : w) total += x;
    std::vector<double> scaled(n);
    std::vector<std::uint32_t> small, large;
    for (std::size_t i = 0; i < n; ++i) {
      scaled[i] = w[i] * static_cast<double>(n) / total;
      (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(i));
    }
    while (!small.empty() && !large.empty()) {
      const auto s = small.back(), l = large.back();
      small.pop_back();
      prob[s] = static_cast<std::uint32_t>(std::min(scaled[s] * 4294967296.0, 4294967295.0));
      alias[s] = l;
      scaled[l] -= 1.0 - scaled[s];
      if (scaled[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    for (auto i : small) prob[i] = 0xffffffffu, alias[i] = i;
    for (auto i : large) prob[i] = 0xffffffffu, alias[i] = i;
  }
  std::uint32_t draw(Rng& r) const {
    const std::uint64_t x = r.next();
    const auto i = static_cast<std::uint32_t>(((x >> 32) * prob.size()) >> 32);
    return static_cast<std::uint32_t>(x) < prob[i] ? i : alias[i];
  }
};

void text(std::uint64_t size, std::uint64_t seed, std::uint32_t vocabulary, double zipf, unsigned threads, int fd) {
  // The vocabulary: distinct lowercase words, lengths 2-12 (short ones likelier).
  Rng vr;
  vr.s = seed ^ 0xA0761D6478BD642Full;
  std::vector<std::string> words;
  std::unordered_set<std::string> seen;
  while (words.size() < vocabulary) {
    const std::uint32_t len = 2 + std::min(vr.below(6) + vr.below(6), 10u);
    std::string w(len, 'a');
    for (char& c : w) c = static_cast<char>('a' + vr.below(26));
    if (seen.insert(w).second) words.push_back(std::move(w));
  }
  std::vector<double> weight(vocabulary);
  for (std::uint32_t r = 0; r < vocabulary; ++r) weight[r] = 1.0 / std::pow(static_cast<double>(r + 1), zipf);
  const Alias alias(weight);

  constexpr std::uint64_t kBlock = 4ull << 20;
  const std::uint64_t blocks = (size + kBlock - 1) / kBlock;
  run_blocks(blocks, threads, fd, [&](std::uint64_t b, std::string& out) {
    const std::uint64_t bytes = std::min(kBlock, size - b * kBlock);
    out.reserve(bytes);
    Rng r = block_rng(seed, b);
    std::uint32_t left_in_line = 0;
    for (;;) {
      const std::string& w = words[alias.draw(r)];
      const std::size_t room = bytes - out.size();
      if (w.size() + 2 > room) {
        out.append(room, '\n');
        return;
      }
      const bool first = left_in_line == 0;
      if (first) left_in_line = 6 + r.below(12);
      out += w;
      if (first) out[out.size() - w.size()] = static_cast<char>(w[0] - 'a' + 'A');
      if (--left_in_line == 0) {
        out += ".\n";
      } else if (r.below(16) == 0) {
        out += ", ";
      } else {
        out += ' ';
      }
    }
  });
}

void points(std::uint64_t count, std::uint64_t seed, unsigned dims, unsigned clusters, double spread, unsigned threads,
            int fd) {
  Rng cr;
  cr.s = seed ^ 0xE7037ED1A0B428DBull;
  std::vector<double> centres(static_cast<std::size_t>(clusters) * dims);
  for (double& c : centres) c = -100.0 + 200.0 * cr.uniform();
  constexpr std::uint64_t kBlock = 65536;
  const std::uint64_t blocks = (count + kBlock - 1) / kBlock;
  run_blocks(blocks, threads, fd, [&](std::uint64_t b, std::string& out) {
    const std::uint64_t n = std::min(kBlock, count - b * kBlock);
    Rng r = block_rng(seed, b);
    char buf[64];
    for (std::uint64_t i = 0; i < n; ++i) {
      const double* c = &centres[static_cast<std::size_t>(r.below(clusters)) * dims];
      for (unsigned d = 0; d < dims; ++d) {
        if (d != 0) out += ',';
        const auto res = std::to_chars(buf, buf + sizeof buf, c[d] + spread * r.gaussian(), std::chars_format::fixed, 6);
        out.append(buf, res.ptr);
      }
      out += '\n';
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") usage("what to generate?");
  const std::string what = argv[1];
  if (what != "text" && what != "points") usage("unknown kind '" + what + "' (text or points)");
  std::map<std::string, std::string> opt;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) usage("unexpected argument '" + a + "'");
    a = a.substr(2);
    if (const auto eq = a.find('='); eq != std::string::npos) {
      opt[a.substr(0, eq)] = a.substr(eq + 1);
    } else {
      if (i + 1 >= argc) usage("--" + a + " needs a value");
      opt[a] = argv[++i];
    }
  }
  auto take = [&](const std::string& k, const std::string& def) {
    const auto it = opt.find(k);
    std::string v = it == opt.end() ? def : it->second;
    if (it != opt.end()) opt.erase(it);
    return v;
  };
  const std::string output = take("output", "");
  if (output.empty()) usage("--output FILE is required");
  const std::uint64_t seed = parse_size("seed", take("seed", "1"));
  unsigned threads = static_cast<unsigned>(parse_size("threads", take("threads", "0")));
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());

  std::function<void(int)> gen;
  if (what == "text") {
    const std::uint64_t size = parse_size("size", take("size", ""));
    const auto vocabulary = parse_size("vocabulary", take("vocabulary", "50000"));
    const double zipf = parse_real("zipf", take("zipf", "1.0"));
    if (vocabulary < 1 || vocabulary > 10000000) usage("--vocabulary must be between 1 and 10000000");
    if (zipf < 0) usage("--zipf must be >= 0");
    gen = [=](int fd) { text(size, seed, static_cast<std::uint32_t>(vocabulary), zipf, threads, fd); };
  } else {
    const std::uint64_t count = parse_size("count", take("count", ""));
    const auto dims = parse_size("dims", take("dims", "2"));
    const auto clusters = parse_size("clusters", take("clusters", "5"));
    const double spread = parse_real("spread", take("spread", "1.0"));
    if (dims < 1 || dims > 4096) usage("--dims must be between 1 and 4096");
    if (clusters < 1 || clusters > 1000000) usage("--clusters must be between 1 and 1000000");
    gen = [=](int fd) {
      points(count, seed, static_cast<unsigned>(dims), static_cast<unsigned>(clusters), spread, threads, fd);
    };
  }
  if (!opt.empty()) usage("unknown option --" + opt.begin()->first + " for '" + what + "'");

  // A regular file is written as FILE.partial and renamed when complete; "-"
  // and anything that exists but is not a regular file (/dev/null, a FIFO) are
  // written in place: never rename over a device.
  struct stat st {};
  const bool special = output == "-" || (::stat(output.c_str(), &st) == 0 && !S_ISREG(st.st_mode));
  const std::string temp = special ? output : output + ".partial";
  const int fd = output == "-" ? 1
                 : special     ? ::open(output.c_str(), O_WRONLY | O_CLOEXEC)
                               : ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    std::fprintf(stderr, "cohort-generate: cannot create '%s': %s\n", temp.c_str(), std::strerror(errno));
    return 1;
  }
  try {
    gen(fd);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cohort-generate: '%s': %s\n", output.c_str(), e.what());
    if (!special) {
      ::close(fd);
      ::unlink(temp.c_str());
    }
    return 1;
  }
  if (special) {
    if (fd != 1) ::close(fd);
  } else {
    if (::close(fd) != 0 || ::rename(temp.c_str(), output.c_str()) != 0) {
      std::fprintf(stderr, "cohort-generate: cannot finish '%s': %s\n", output.c_str(), std::strerror(errno));
      ::unlink(temp.c_str());
      return 1;
    }
  }
  return 0;
}
