// The run journal's file format: the one place that reads and writes it.
#include <cohort/core/error.hpp>
#include <cohort/mapreduce/journal.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace fs = std::filesystem;

namespace cohort::mapreduce {
namespace {

constexpr std::string_view kMagic = "COHORTJ\n";
constexpr std::uint32_t kFormatVersion = 1;
constexpr std::size_t kPrologue = 12;              // magic + format version
constexpr std::uint64_t kMaxRecord = 0xFFFFFFFFu;  // the length field is 32 bits

[[noreturn]] void io_error(const std::string& message) { throw Error(Errc::io_error, message); }

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kCrcTable = make_crc_table();

std::uint32_t crc32(std::string_view bytes) noexcept {
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) c = kCrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

// --- little-endian fields --------------------------------------------------------

void put_u8(std::string& out, std::uint8_t v) { out.push_back(static_cast<char>(v)); }
void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put_str(std::string& out, std::string_view s) {
  put_u64(out, s.size());
  out.append(s);
}

// Reads fields of one payload; any overrun is a DecodeError (a bad record).
struct Reader {
  std::string_view in;
  const std::string& file;

  [[noreturn]] void fail(const char* what) const {
    throw Error(Errc::journal_mismatch, "journal '" + file + "': a record whose checksum matches is malformed (" + what +
                                            "): not written by this Cohort?");
  }
  std::uint64_t uint(int bytes) {
    if (in.size() < static_cast<std::size_t>(bytes)) fail("too short");
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
    in.remove_prefix(static_cast<std::size_t>(bytes));
    return v;
  }
  std::string str() {
    const std::uint64_t n = uint(8);
    if (n > in.size()) fail("string past the end");
    std::string s(in.substr(0, n));
    in.remove_prefix(n);
    return s;
  }
};

std::string encode_header(const JournalHeader& h) {
  std::string p;
  put_u8(p, 'H');
  put_str(p, h.version);
  put_str(p, h.job);
  put_u64(p, h.options.size());
  for (const auto& [k, v] : h.options) {
    put_str(p, k);
    put_str(p, v);
  }
  put_u64(p, h.inputs.size());
  for (const auto& f : h.inputs) {
    put_str(p, f.path);
    put_u64(p, f.size);
    put_u64(p, static_cast<std::uint64_t>(f.mtime_ns));
  }
  const JournalPlan& pl = h.plan;
  put_u64(p, pl.split_bytes);
  put_u64(p, pl.splits_option);
  put_u64(p, pl.parallelism);
  put_u32(p, pl.partitions);
  put_u8(p, pl.shuffle ? 1 : 0);
  put_u64(p, pl.split_count);
  put_u64(p, pl.split_digest);
  return p;
}

JournalHeader decode_header(Reader r) {
  JournalHeader h;
  h.version = r.str();
  h.job = r.str();
  for (std::uint64_t n = r.uint(8); n > 0; --n) {
    if (r.in.size() < 16) r.fail("option list past the end");
    std::string k = r.str();
    h.options.emplace_back(std::move(k), r.str());
  }
  for (std::uint64_t n = r.uint(8); n > 0; --n) {
    if (r.in.size() < 24) r.fail("input list past the end");
    JournalInput f;
    f.path = r.str();
    f.size = r.uint(8);
    f.mtime_ns = static_cast<std::int64_t>(r.uint(8));
    h.inputs.push_back(std::move(f));
  }
  h.plan.split_bytes = r.uint(8);
  h.plan.splits_option = r.uint(8);
  h.plan.parallelism = r.uint(8);
  h.plan.partitions = static_cast<std::uint32_t>(r.uint(4));
  h.plan.shuffle = r.uint(1) != 0;
  h.plan.split_count = r.uint(8);
  h.plan.split_digest = r.uint(8);
  if (!r.in.empty()) r.fail("trailing bytes after the header");
  return h;
}

std::string frame(std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 8);
  put_u32(out, static_cast<std::uint32_t>(payload.size()));
  put_u32(out, crc32(payload));
  out.append(payload);
  return out;
}

std::string options_text(const std::vector<std::pair<std::string, std::string>>& options) {
  std::string s;
  for (const auto& [k, v] : options) s += (s.empty() ? "--" : " --") + k + " " + v;
  return s.empty() ? "(none)" : s;
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

}  // namespace

std::uint64_t fnv1a(std::string_view bytes, std::uint64_t seed) noexcept {
  std::uint64_t h = seed;
  for (unsigned char b : bytes) {
    h ^= b;
    h *= 1099511628211ull;
  }
  return h;
}

std::string encode_journal_record(JournalRecord::Kind kind, std::uint32_t round, std::uint64_t index,
                                  std::string_view data) {
  std::string p;
  p.reserve(data.size() + 13);
  put_u8(p, static_cast<std::uint8_t>(kind));
  put_u32(p, round);
  put_u64(p, index);
  p.append(data);
  if (p.size() > kMaxRecord) {
    throw Error(Errc::invalid_argument, "journal record of " + std::to_string(p.size()) + " bytes is too large");
  }
  return frame(p);
}

std::optional<JournalContents> read_journal(const fs::path& path) {
  const std::string file = path.string();
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) io_error("cannot open the journal '" + file + "': " + std::strerror(errno));
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) io_error("cannot read the journal '" + file + "'");
  if (bytes.empty()) return std::nullopt;
  const std::string_view all(bytes);
  if (all.size() < kMagic.size() ? !kMagic.starts_with(all) : !all.starts_with(kMagic)) {
    throw Error(Errc::journal_mismatch, "'" + file + "' is not a Cohort journal (it does not start with \"COHORTJ\"); "
                                        "give --journal a file of its own");
  }
  if (all.size() < kPrologue) return std::nullopt;  // torn while being created
  Reader version{all.substr(kMagic.size(), 4), file};
  if (const auto v = version.uint(4); v != kFormatVersion) {
    throw Error(Errc::journal_mismatch, "journal '" + file + "' has format version " + std::to_string(v) +
                                            ", this Cohort reads version " + std::to_string(kFormatVersion));
  }

  JournalContents c;
  c.file_bytes = all.size();
  std::size_t pos = kPrologue;
  bool have_header = false;
  while (all.size() - pos >= 8) {
    Reader frame_reader{all.substr(pos, 8), file};
    const std::uint64_t length = frame_reader.uint(4);
    const auto checksum = static_cast<std::uint32_t>(frame_reader.uint(4));
    if (length > all.size() - pos - 8) break;  // torn: runs past the end
    const std::string_view payload = all.substr(pos + 8, length);
    if (payload.empty() || crc32(payload) != checksum) break;  // torn or overwritten
    Reader r{payload.substr(1), file};
    if (!have_header) {
      if (payload[0] != 'H') r.fail("the first record is not the header");
      c.header = decode_header(r);
      have_header = true;
    } else if (payload[0] == 'T' || payload[0] == 'R') {
      JournalRecord rec;
      rec.kind = static_cast<JournalRecord::Kind>(payload[0]);
      rec.round = static_cast<std::uint32_t>(r.uint(4));
      rec.index = r.uint(8);
      rec.data.assign(r.in);
      c.records.push_back(std::move(rec));
    } else {
      r.fail("unknown record kind");
    }
    pos += 8 + length;
    c.valid_bytes = pos;
  }
  if (!have_header) return std::nullopt;
  return c;
}

std::string describe_differences(const JournalHeader& j, const JournalHeader& run) {
  std::vector<std::string> diffs;
  if (j.version != run.version) {
    diffs.push_back("Cohort version: the journal was written by " + j.version + ", this is " + run.version);
  }
  if (j.job != run.job) diffs.push_back("job name: the journal is of job " + quoted(j.job) + ", this run is " + quoted(run.job));
  if (j.options != run.options) {
    diffs.push_back("job options: the journal has " + options_text(j.options) + ", this run has " + options_text(run.options));
  }
  if (j.inputs != run.inputs) {
    std::string d = "input file list: ";
    if (j.inputs.size() != run.inputs.size()) {
      d += "the journal lists " + std::to_string(j.inputs.size()) + " file(s), this run has " + std::to_string(run.inputs.size());
    }
    for (std::size_t i = 0; i < std::min(j.inputs.size(), run.inputs.size()); ++i) {
      const JournalInput& a = j.inputs[i];
      const JournalInput& b = run.inputs[i];
      if (a == b) continue;
      if (d.back() != ' ') d += "; first difference: ";
      if (a.path != b.path) {
        d += "file " + std::to_string(i + 1) + " is " + quoted(b.path) + ", the journal has " + quoted(a.path);
      } else if (a.size != b.size) {
        d += quoted(b.path) + " has " + std::to_string(b.size) + " bytes, the journal says " + std::to_string(a.size);
      } else {
        d += quoted(b.path) + " was modified after the journal was started (mtime differs)";
      }
      break;
    }
    diffs.push_back(std::move(d));
  }
  if (j.plan != run.plan) {
    const JournalPlan &a = j.plan, &b = run.plan;
    std::string d = "split plan: ";
    auto field = [&](const char* name, std::uint64_t x, std::uint64_t y) {
      if (x == y) return;
      if (d.back() != ' ') d += ", ";
      d += std::string(name) + " " + std::to_string(y) + " (journal: " + std::to_string(x) + ")";
    };
    field("split size", a.split_bytes, b.split_bytes);
    field("splits", a.splits_option, b.splits_option);
    field("partitions", a.partitions, b.partitions);
    field("shuffle", a.shuffle, b.shuffle);
    field("split count", a.split_count, b.split_count);
    if (a.split_count == b.split_count && a.split_digest != b.split_digest) field("split digest", a.split_digest, b.split_digest);
    if (d.back() == ' ') d += "parallelism " + std::to_string(b.parallelism) + " (journal: " + std::to_string(a.parallelism) + ")";
    diffs.push_back(std::move(d));
  }
  std::string out;
  for (const auto& d : diffs) out += (out.empty() ? "" : "; ") + d;
  return out;
}

// --- JournalWriter ---------------------------------------------------------------

JournalWriter::JournalWriter(fs::path path, int fd, Policy policy) noexcept
    : path_(std::move(path)), fd_(fd), policy_(policy) {}

JournalWriter::JournalWriter(JournalWriter&& o) noexcept
    : path_(std::move(o.path_)), fd_(std::exchange(o.fd_, -1)), policy_(o.policy_), unsynced_(o.unsynced_),
      first_unsynced_(o.first_unsynced_), appended_(o.appended_) {}

JournalWriter& JournalWriter::operator=(JournalWriter&& o) noexcept {
  if (this != &o) {
    close();
    path_ = std::move(o.path_);
    fd_ = std::exchange(o.fd_, -1);
    policy_ = o.policy_;
    unsynced_ = o.unsynced_;
    first_unsynced_ = o.first_unsynced_;
    appended_ = o.appended_;
  }
  return *this;
}

JournalWriter::~JournalWriter() { close(); }

void JournalWriter::close() noexcept {
  if (fd_ < 0) return;
  if (unsynced_ > 0) ::fdatasync(fd_);
  ::close(fd_);
  fd_ = -1;
}

JournalWriter JournalWriter::create(const fs::path& path, const JournalHeader& header, Policy policy) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) io_error("cannot create the journal '" + path.string() + "': " + std::strerror(errno));
  JournalWriter w(path, fd, policy);
  std::string prologue(kMagic);
  put_u32(prologue, kFormatVersion);
  w.write_all(prologue + frame(encode_header(header)));
  if (::fsync(fd) != 0) io_error("cannot sync the journal '" + path.string() + "': " + std::strerror(errno));
  const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return w;
}

JournalWriter JournalWriter::reopen(const fs::path& path, std::uint64_t valid_bytes, Policy policy) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) io_error("cannot open the journal '" + path.string() + "' for appending: " + std::strerror(errno));
  JournalWriter w(path, fd, policy);
  if (::ftruncate(fd, static_cast<off_t>(valid_bytes)) != 0 ||
      ::lseek(fd, static_cast<off_t>(valid_bytes), SEEK_SET) < 0) {
    io_error("cannot cut the torn tail of the journal '" + path.string() + "': " + std::strerror(errno));
  }
  if (::fdatasync(fd) != 0) io_error("cannot sync the journal '" + path.string() + "': " + std::strerror(errno));
  return w;
}

void JournalWriter::write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) io_error("cannot write the journal '" + path_.string() + "': " + std::strerror(errno));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void JournalWriter::append(JournalRecord::Kind kind, std::uint32_t round, std::uint64_t index, std::string_view data) {
  if (fd_ < 0) throw Error(Errc::invalid_state, "journal '" + path_.string() + "': append after it was closed");
  write_all(encode_journal_record(kind, round, index, data));
  ++appended_;
  if (unsynced_++ == 0) first_unsynced_ = std::chrono::steady_clock::now();
  if (unsynced_ >= policy_.sync_every) sync();
  else sync_if_due();
}

void JournalWriter::sync() {
  if (fd_ < 0 || unsynced_ == 0) return;
  if (::fdatasync(fd_) != 0) io_error("cannot sync the journal '" + path_.string() + "': " + std::strerror(errno));
  unsynced_ = 0;
}

void JournalWriter::sync_if_due() {
  if (unsynced_ > 0 && std::chrono::steady_clock::now() - first_unsynced_ >= policy_.sync_interval) sync();
}

}  // namespace cohort::mapreduce
