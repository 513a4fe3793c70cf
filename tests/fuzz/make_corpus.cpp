// Writes the seed corpus of the fuzz targets: valid messages built with the
// real writers and encoders, in each target's input format (see the comment at
// the top of each fuzz_<target>.cpp), plus hand-made broken ones.
//
//   cmake --build <build> --target fuzz_make_corpus
//   <build>/bin/fuzz_make_corpus tests/fuzz/corpus
//
// Run once, and again when a format changes; the files are committed. Names
// say what each input is; libFuzzer adds its own (hash-named) finds elsewhere.

#include <cohort/core/error.hpp>
#include <cohort/plugin/descriptor.h>
#include <cohort/wire/array_batch.hpp>
#include <cohort/wire/batch.hpp>
#include <cohort/wire/codec.hpp>
#include <cohort/wire/envelope.hpp>

#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace fs = std::filesystem;
namespace wire = cohort::wire;
using Bytes = std::vector<std::byte>;

namespace {

fs::path g_root;
int g_written = 0;

void write(const std::string& target, const std::string& name, std::uint8_t lead, const Bytes& body) {
  const fs::path dir = g_root / target;
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.put(static_cast<char>(lead));
  out.write(reinterpret_cast<const char*>(body.data()), static_cast<std::streamsize>(body.size()));
  if (!out) throw std::runtime_error("cannot write " + (dir / name).string());
  ++g_written;
}

Bytes text(std::string_view s) {
  Bytes b(s.size());
  std::memcpy(b.data(), s.data(), s.size());
  return b;
}

Bytes payload_of(const Bytes& message) { return Bytes(message.begin() + wire::kHeaderSize, message.end()); }

void poke32(Bytes& b, std::size_t at, std::uint32_t v) { std::memcpy(b.data() + at, &v, 4); }
void poke64(Bytes& b, std::size_t at, std::uint64_t v) { std::memcpy(b.data() + at, &v, 8); }

void reseal(Bytes& message) {
  poke32(message, 12, 0);
  poke32(message, 12, wire::envelope_header_checksum(std::span(message).first(wire::kHeaderSize)));
}

// A copy of `message` with the T at byte `at` set to `v` and the header checksum
// made right again, so that the decoder gets past the envelope to the broken field.
template <class T>
Bytes with(Bytes message, std::size_t at, T v) {
  std::memcpy(message.data() + at, &v, sizeof v);
  reseal(message);
  return message;
}

Bytes task_batch(int tasks) {
  wire::TaskBatchWriter w;
  for (int i = 0; i < tasks; ++i) {
    switch (i % 3) {
      case 0: wire::add_task(w, 100 + i, 0, "mapreduce.map", std::uint64_t(i), std::string("split-") + char('a' + i),
                             std::uint32_t(4)); break;
      case 1: wire::add_task(w, 100 + i, 1, "square", int(i)); break;
      default: wire::add_task(w, 100 + i, 0, "mix", int(-i), std::string("xy"), std::vector<double>{1.5, -2.0});
    }
  }
  return w.finish(7, 3);
}

Bytes result_batch() {
  wire::ResultBatchWriter w;
  w.add_value(1, 0, wire::encode_value(42), 10, 20);
  w.add_value(2, 0, wire::encode_value(std::string("hello")), 11, 21);
  w.add_value(3, 1, wire::encode_value(std::vector<int>{1, 2, 3}));
  w.add_value(4, 0, {});
  w.add_error(5, 0, cohort::Errc::remote_error, "std::out_of_range", "index 7 past the end", 12, 22);
  w.add_error(6, 0, cohort::Errc::cancelled, "", "cancelled");
  w.add_error(7, 2, cohort::Errc::timeout, "", "too slow");
  w.add_error(8, 0, cohort::Errc::unknown_task, "", "no task named 'nope'");
  return w.finish(9, 1);
}

void envelope_seeds() {
  wire::EnvelopeHeader h;
  h.kind = wire::MessageKind::control;
  h.batch_id = 1;
  h.session_id = 2;
  write("envelope", "valid-control", 0, wire::encode_envelope(h, text("ping")));
  h.kind = wire::MessageKind::shuffle_data;
  write("envelope", "valid-shuffle-empty", 0, wire::encode_envelope(h, {}));
  write("envelope", "valid-task-batch", 0, task_batch(3));
  write("envelope", "valid-result-batch", 0, result_batch());
  write("envelope", "valid-control-small-cap", 4, wire::encode_envelope(h, text("under 64 bytes")));
  write("envelope", "fixup-zero-header", 3, Bytes(wire::kHeaderSize + 4));

  Bytes m = wire::encode_envelope(h, text("payload"));
  Bytes bad = m;
  bad[0] = std::byte{'X'};
  write("envelope", "bad-magic", 0, bad);
  write("envelope", "bad-version", 0, with<std::uint8_t>(m, 4, 2));
  bad = m;
  bad[20] ^= std::byte{1};
  write("envelope", "bad-checksum", 0, bad);
  write("envelope", "bad-kind", 0, with<std::uint8_t>(m, 6, 99));
  write("envelope", "bad-flags", 0, with<std::uint8_t>(m, 8, 1));
  bad = m;
  bad.push_back(std::byte{0});
  write("envelope", "bad-trailing-byte", 0, bad);
  bad = m;
  bad.pop_back();
  write("envelope", "bad-short-payload", 0, bad);
  write("envelope", "bad-huge-length", 0, with<std::uint64_t>(m, 32, ~std::uint64_t{0}));
  write("envelope", "bad-over-small-cap", 4, wire::encode_envelope(h, Bytes(65)));
  write("envelope", "bad-short-header", 0, Bytes(m.begin(), m.begin() + 39));
}

void task_batch_seeds() {
  for (int n : {0, 1, 3, 7}) {
    const Bytes m = task_batch(n);
    write("task_batch", "valid-" + std::to_string(n) + "-tasks", 0, m);
    write("task_batch", "valid-" + std::to_string(n) + "-tasks-payload", 1, payload_of(m));
  }
  write("task_batch", "valid-3-tasks-tight-limits", 2, task_batch(3));
  {
    wire::TaskBatchWriter w;
    w.add(1, 0, std::string(1024, 'n'), {});
    write("task_batch", "valid-longest-name", 0, w.finish(1));
  }
  const Bytes good = task_batch(3);
  // Payload offsets: 0 count, 4 name count, 8 name table offset, 16 first record
  // (id, attempt, name index at +12, argument length at +16).
  const std::size_t pre = wire::kHeaderSize;
  write("task_batch", "bad-name-index", 0, with<std::uint32_t>(good, pre + 16 + 12, 9));
  write("task_batch", "bad-argument-length", 0, with<std::uint64_t>(good, pre + 16 + 16, 1u << 30));
  write("task_batch", "bad-task-count", 0, with<std::uint32_t>(good, pre, 1000));
  write("task_batch", "bad-name-table-offset", 0, with<std::uint64_t>(good, pre + 8, 3));
  write("task_batch", "bad-no-names", 0, with<std::uint32_t>(good, pre + 4, 0));
  write("task_batch", "bad-result-batch-kind", 0, result_batch());
  Bytes p = payload_of(good);
  p.push_back(std::byte{0});
  write("task_batch", "bad-trailing-byte-payload", 1, p);
}

void result_batch_seeds() {
  const Bytes m = result_batch();
  write("result_batch", "valid-mixed", 0, m);
  write("result_batch", "valid-mixed-payload", 1, payload_of(m));
  write("result_batch", "valid-mixed-tight-limits", 3, payload_of(m));
  {
    wire::ResultBatchWriter w;
    write("result_batch", "valid-empty", 0, w.finish(1));
    w.add_error(1, 0, cohort::Errc::decode_error, "cohort::DecodeError", std::string(200, 'm'));
    write("result_batch", "valid-long-error", 0, w.finish(2));
    w.add_error(1, 0, static_cast<cohort::Errc>(999), "weird", "status nobody knows");
    write("result_batch", "valid-unknown-status", 0, w.finish(3));
  }
  const std::size_t pre = wire::kHeaderSize;
  write("result_batch", "bad-reserved-preamble", 0, with<std::uint32_t>(m, pre + 4, 1));
  write("result_batch", "bad-count", 0, with<std::uint32_t>(m, pre, 100000));
  write("result_batch", "bad-value-length", 0, with<std::uint64_t>(m, pre + 8 + 32, 1u << 20));
  Bytes p = payload_of(m);
  p.resize(p.size() - 3);
  write("result_batch", "bad-truncated-payload", 1, p);
  write("result_batch", "bad-task-batch-kind", 0, task_batch(2));
}

Bytes u64_args(std::uint32_t count) {
  Bytes b;
  for (std::uint64_t i = 0; i < count; ++i) {
    const auto v = wire::encode_value(i * i);
    b.insert(b.end(), v.begin(), v.end());
  }
  return b;
}

void arrays_seeds() {
  // Mode: bit 0 result array, bit 1 payload only (wrapped), bit 2 tight limits.
  const Bytes tasks = wire::encode_task_array(31, 1000, 0, "square", 5, 8, 8, u64_args(5));
  write("arrays", "valid-task-array", 0, tasks);
  write("arrays", "valid-task-array-payload", 2, payload_of(tasks));
  write("arrays", "valid-task-array-tight-limits", 4, tasks);
  write("arrays", "valid-task-array-void", 0, wire::encode_task_array(32, 0, 2, "tick", 3, 0, 0, {}));
  const wire::TaskArray t = wire::TaskArray::decode(tasks, 0);
  {
    wire::ArrayResultWriter w(t);
    const Bytes v = u64_args(5);
    std::memcpy(w.values().data(), v.data(), v.size());
    write("arrays", "valid-result-array", 1, w.finish(10, 20));
  }
  {
    wire::ArrayResultWriter w(t);
    w.add_error({3, cohort::Errc::remote_error, "std::domain_error", "negative"});
    w.add_error({1, cohort::Errc::cancelled, "", "cancelled"});
    const Bytes m = w.finish();
    write("arrays", "valid-result-array-errors", 1, m);
    write("arrays", "valid-result-array-errors-payload", 3, payload_of(m));
    write("arrays", "valid-result-array-errors-tight-limits", 5, m);
    // Result preamble 48 bytes, values 40 bytes, then the errors: index at +0.
    write("arrays", "bad-result-array-error-order", 1, with<std::uint32_t>(m, wire::kHeaderSize + 48 + 40, 4));
    write("arrays", "bad-result-array-empty", 1, with<std::uint32_t>(m, wire::kHeaderSize + 16, 0));
    Bytes bad = m;
    bad.push_back(std::byte{0});
    bad = payload_of(bad);
    write("arrays", "bad-result-array-trailing-payload", 3, bad);
  }
  // Task preamble: first_id 0, count 8, attempt 12, arg_size 16, result_size 20, name_len 24, reserved 26/28.
  const std::size_t pre = wire::kHeaderSize;
  write("arrays", "bad-task-array-empty", 0, with<std::uint32_t>(tasks, pre + 8, 0));
  write("arrays", "bad-task-array-reserved", 0, with<std::uint32_t>(tasks, pre + 28, 1));
  write("arrays", "bad-task-array-arg-size", 0, with<std::uint32_t>(tasks, pre + 16, 9));
  write("arrays", "bad-task-array-id-overflow", 0, with<std::uint64_t>(tasks, pre, ~std::uint64_t{0} - 2));
  write("arrays", "bad-task-array-huge-results", 0, with<std::uint32_t>(tasks, pre + 20, 1u << 31));
  write("arrays", "bad-task-batch-kind", 0, task_batch(2));
}

void codec_seeds() {
  using namespace std::string_literals;
  write("codec", "valid-0-u64", 0, wire::encode_value(std::uint64_t{1} << 40));
  write("codec", "valid-1-int", 1, wire::encode_value(-7));
  write("codec", "valid-2-double", 2, wire::encode_value(3.25));
  write("codec", "valid-3-bool", 3, wire::encode_value(true));
  write("codec", "valid-4-string", 4, wire::encode_value("hello"s));
  write("codec", "valid-5-vector-int", 5, wire::encode_value(std::vector<int>{1, -2, 3}));
  write("codec", "valid-6-vector-double", 6, wire::encode_value(std::vector<double>{0.5, 1e300}));
  write("codec", "valid-7-vector-string", 7, wire::encode_value(std::vector<std::string>{"a", "", "ccc"}));
  write("codec", "valid-8-pair", 8, wire::encode_value(std::pair<std::string, std::uint64_t>("the", 12)));
  write("codec", "valid-9-map", 9,
        wire::encode_value(std::map<std::string, std::uint64_t>{{"a", 1}, {"b", 2}}));
  write("codec", "valid-10-vector-pair", 10,
        wire::encode_value(std::vector<std::pair<std::string, std::uint64_t>>{{"x", 3}, {"y", 4}}));
  write("codec", "valid-11-vector-vector", 11, wire::encode_value(std::vector<std::vector<int>>{{1}, {}, {2, 3}}));
  write("codec", "valid-12-args", 12, wire::encode_args(std::uint64_t{5}, "wordcount"s, "{}"s));
  write("codec", "valid-13-args", 13, wire::encode_args(std::uint64_t{6}, "split"s, std::uint32_t{8}));
  write("codec", "valid-14-args", 14, wire::encode_args(3, "z"s, std::vector<double>{2.5}));
  write("codec", "valid-15-no-args", 15, {});

  Bytes bad = wire::encode_value("hello"s);
  poke64(bad, 0, ~std::uint64_t{0} >> 1);
  write("codec", "bad-string-length", 4, bad);
  write("codec", "bad-bool-byte", 3, Bytes{std::byte{2}});
  write("codec", "bad-truncated-u64", 0, Bytes(5));
  Bytes trailing = wire::encode_value(7);
  trailing.push_back(std::byte{1});
  write("codec", "bad-trailing-byte", 1, trailing);
  bad = wire::encode_value(std::vector<std::string>{"a"});
  poke64(bad, 0, 1u << 30);
  write("codec", "bad-collection-count", 7, bad);
}

void plugin_seeds() {
  // Layout: shape byte (bit 0 fuzzed ABI, bit 1 fuzzed size, bit 2 no create,
  // bit 3 no destroy, bit 4 null descriptor), [abi u32], [size u32], then for
  // fingerprint, name, summary, version a choice byte (0 null, 1 "", 2 a name,
  // 3 a length-prefixed text), then the length-prefixed file stem.
  auto b = [](std::initializer_list<int> v) {
    Bytes out;
    for (int x : v) out.push_back(static_cast<std::byte>(x));
    return out;
  };
  write("plugin_descriptor", "valid", 0, b({2, 2, 3, 3, 'w', 'c', '!', 2, 4, 'g', 'o', 'o', 'd'}));
  write("plugin_descriptor", "valid-bigger-size", 2, b({100, 0, 0, 0, 2, 2, 1, 1, 0}));
  write("plugin_descriptor", "bad-abi", 1, b({99, 0, 0, 0, 2, 2, 2, 2, 3, 'a', 'b', 'i'}));
  write("plugin_descriptor", "bad-small-size", 2, b({8, 0, 0, 0, 2, 2, 2, 2, 0}));
  write("plugin_descriptor", "bad-size-between-fields", 2, b({20, 0, 0, 0, 2, 2, 2, 2, 0}));
  write("plugin_descriptor", "bad-null-name", 0, b({2, 0, 2, 2, 0}));
  write("plugin_descriptor", "bad-empty-name", 0, b({2, 1, 2, 2, 0}));
  write("plugin_descriptor", "bad-no-create", 4, b({2, 2, 2, 2, 0}));
  write("plugin_descriptor", "bad-no-destroy", 8, b({2, 2, 2, 2, 0}));
  write("plugin_descriptor", "bad-null-descriptor", 16, b({2, 2, 2, 2, 0}));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir, e.g. tests/fuzz/corpus>\n", argv[0]);
    return 2;
  }
  g_root = argv[1];
  envelope_seeds();
  task_batch_seeds();
  result_batch_seeds();
  arrays_seeds();
  codec_seeds();
  plugin_seeds();
  std::printf("wrote %d seed inputs under %s\n", g_written, g_root.c_str());
  return 0;
}
