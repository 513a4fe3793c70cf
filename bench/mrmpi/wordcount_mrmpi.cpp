// wordcount_mrmpi: the word count of Cohort's wordcount job, written against
// MR-MPI's documented API, for bench/run's MapReduce comparison.
//
//   mpirun -n N wordcount_mrmpi --output FILE [--scratch DIR] [--chunk-mb M] INPUT...
//
// Same word rule (maximal runs of ASCII letters/digits, lowercased) and output
// ("word<TAB>count", count descending, then word). The MR-MPI way:
//   map()     the files split into chunks at newlines (map variant with a
//             separator character); each chunk's words are counted in a local
//             hash table and emitted once per distinct word (word, count):
//             the same per-split combining Cohort's job does
//   collate() every word to one rank (hash), values grouped per word
//   reduce()  (word, sum of counts)
//   gather(1) all pairs to rank 0, which sorts them and writes the file.
// Rank 0 prints the time from the first map to the written file.
#include "wordcount_common.hpp"

#include <mapreduce.h>
#include <keyvalue.h>
#include <mpi.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

using MAPREDUCE_NS::KeyValue;
using MAPREDUCE_NS::MapReduce;

namespace {

void map_chunk(int, char* text, int size, KeyValue* kv, void*) {
  bench::WordCounts counts;
  std::string pending;
  // The chunk may carry a trailing NUL: the word rule treats it as a separator.
  bench::count_words(text, static_cast<std::size_t>(size), pending, counts);
  if (!pending.empty()) counts.add(pending);
  counts.for_each([&](const std::string& word, std::uint64_t n) {
    kv->add(const_cast<char*>(word.data()), static_cast<int>(word.size()), reinterpret_cast<char*>(&n),
            static_cast<int>(sizeof n));
  });
}

std::uint64_t sum_values(const char* values, int nvalues, const int* valuebytes) {
  std::uint64_t total = 0;
  const char* p = values;
  for (int i = 0; i < nvalues; ++i) {
    std::uint64_t v = 0;
    std::memcpy(&v, p, sizeof v);
    total += v;
    p += valuebytes[i];
  }
  return total;
}

void reduce_sum(char* key, int keybytes, char* multivalue, int nvalues, int* valuebytes, KeyValue* kv, void* ptr) {
  std::uint64_t total = 0;
  if (multivalue == nullptr && nvalues == 0) {  // too many values for one page: MR-MPI hands out blocks
    auto* mr = static_cast<MapReduce*>(ptr);
    int nblocks = 0;
    mr->multivalue_blocks(nblocks);
    for (int b = 0; b < nblocks; ++b) {
      char* mv = nullptr;
      int* vb = nullptr;
      const int n = mr->multivalue_block(b, &mv, &vb);
      total += sum_values(mv, n, vb);
    }
  } else {
    total = sum_values(multivalue, nvalues, valuebytes);
  }
  kv->add(key, keybytes, reinterpret_cast<char*>(&total), static_cast<int>(sizeof total));
}

void collect(char* key, int keybytes, char* value, int, void* ptr) {
  auto* counts = static_cast<bench::WordCounts*>(ptr);
  std::uint64_t n = 0;
  std::memcpy(&n, value, sizeof n);
  counts->add(std::string_view(key, static_cast<std::size_t>(keybytes)), n);
}

int usage(int rank, const char* why) {
  if (rank == 0)
    std::fprintf(stderr,
                 "wordcount_mrmpi: %s\nusage: wordcount_mrmpi --output FILE [--scratch DIR] [--chunk-mb M] INPUT...\n",
                 why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);

  std::string output, scratch = ".";
  double chunk_mb = 16;
  std::vector<std::string> inputs;
  int rc = 0;
  for (int i = 1; i < argc && rc == 0; ++i) {
    const std::string a = argv[i];
    if ((a == "--output" || a == "--scratch" || a == "--chunk-mb") && i + 1 >= argc) {
      rc = usage(rank, "missing value after an option");
    } else if (a == "--output") {
      output = argv[++i];
    } else if (a == "--scratch") {
      scratch = argv[++i];
    } else if (a == "--chunk-mb") {
      chunk_mb = std::atof(argv[++i]);
    } else {
      inputs.push_back(a);
    }
  }
  if (rc == 0 && (output.empty() || inputs.empty() || !(chunk_mb > 0)))
    rc = usage(rank, "need --output FILE and at least one INPUT");
  if (rc != 0) {
    MPI_Finalize();
    return rc;
  }

  // Map tasks: about one per chunk_mb of input, at least one per rank.
  std::uintmax_t bytes = 0;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (std::filesystem::is_directory(in, ec)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(in))
        if (e.is_regular_file()) bytes += e.file_size();
    } else {
      bytes += std::filesystem::file_size(in, ec);
    }
  }
  const int nmap = std::max(size, static_cast<int>(static_cast<double>(bytes) / (chunk_mb * 1e6)) + 1);

  MPI_Barrier(MPI_COMM_WORLD);
  const double t0 = MPI_Wtime();
  auto* mr = new MapReduce(MPI_COMM_WORLD);
  mr->verbosity = 0;
  mr->timer = 0;
  mr->set_fpath(scratch.c_str());
  std::vector<char*> names;
  for (auto& in : inputs) names.push_back(in.data());
  // recurse = 1 (directories), readfile = 0 (the strings are the files),
  // chunks end at a newline, looking up to 64 KiB past the nominal end for it.
  mr->map(nmap, static_cast<int>(names.size()), names.data(), 1, 0, '\n', 65536, map_chunk, nullptr);
  mr->collate(nullptr);
  mr->reduce(reduce_sum, mr);
  mr->gather(1);

  bench::WordCounts counts;
  mr->scan(collect, &counts);  // only rank 0 holds pairs after gather(1)
  delete mr;
  if (rank == 0) {
    if (!bench::write_tsv(bench::sorted(counts), output.c_str())) {
      std::fprintf(stderr, "wordcount_mrmpi: cannot write %s\n", output.c_str());
      rc = 6;
    }
    std::fprintf(stderr, "wordcount_mrmpi: %.1f MB, %d map task(s), %d rank(s), %.3f s\n",
                 static_cast<double>(bytes) / 1e6, nmap, size, MPI_Wtime() - t0);
  }
  MPI_Finalize();
  return rc;
}
