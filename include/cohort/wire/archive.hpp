#pragma once
/// Boost.Serialization archives over Cohort's byte buffers: `OutArchive` appends
/// to a std::vector<std::byte>, `InArchive` reads from a span and never trusts it.
/// HEAVY header (Boost.Serialization): include it only where values are encoded
/// or decoded (codec.hpp, registry.hpp), never from widely included headers.
///
/// Why not boost::archive::binary_[io]archive: constructing one costs ~0.5 µs
/// (it builds a std::locale), too much per task. These derive from the same
/// basic_binary_[io]archive layer, so the bytes are those of a binary archive
/// opened with no_header (a test checks it), but construct in ~20 ns. That makes
/// one self-contained archive per task argument list / per result affordable, so
/// any record of a batch decodes alone, on any thread, in any order, and an
/// unknown task is skipped without disturbing its neighbours.
///
/// InArchive's guards (each a cohort::DecodeError naming the sender's rank):
/// - every read checks the bytes left (no reading past the span);
/// - a string length or collection count larger than the bytes left is refused
///   *before* anything is allocated (so a corrupt 2^63 length allocates nothing);
/// - a bool byte other than 0 or 1 is refused (Boost would assert).
/// Boost's own checks (unregistered class, class version too new...) throw
/// boost::archive::archive_exception; the codec turns those into DecodeError.
///
/// Thread safety: an archive is used by one thread; distinct archives are independent.

#include <cohort/core/error.hpp>

#include <boost/archive/basic_binary_iarchive.hpp>
#include <boost/archive/basic_binary_oarchive.hpp>
#include <boost/archive/detail/register_archive.hpp>
#include <boost/serialization/array_optimization.hpp>
#include <boost/serialization/array_wrapper.hpp>
#include <boost/serialization/collection_size_type.hpp>
#include <boost/serialization/is_bitwise_serializable.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::wire {

static_assert(std::endian::native == std::endian::little, "Cohort's wire format is little-endian");

/// Appends a Boost binary archive (no header) to a byte vector.
class OutArchive : public boost::archive::basic_binary_oarchive<OutArchive> {
  using Base = boost::archive::basic_binary_oarchive<OutArchive>;
  friend class boost::archive::save_access;
  friend class boost::archive::detail::interface_oarchive<OutArchive>;
  friend class boost::archive::basic_binary_oarchive<OutArchive>;

 public:
  /// Appends to `out` (existing bytes are kept).
  explicit OutArchive(std::vector<std::byte>& out) : Base(boost::archive::no_header), out_(out) {}

  void save_binary(const void* data, std::size_t n) {
    const auto* p = static_cast<const std::byte*>(data);
    out_.insert(out_.end(), p, p + n);
  }

  // Arrays of bitwise-serialisable values are written in one block, as binary_oarchive does.
  struct use_array_optimization {
    template <class T>
    struct apply : boost::serialization::is_bitwise_serializable<T> {};
  };
  template <class V>
  void save_array(const boost::serialization::array_wrapper<V>& a, unsigned int) {
    save_binary(a.address(), a.count() * sizeof(V));
  }

 protected:
  template <class T>
  void save_override(const T& t) {
    this->Base::save_override(t);
  }
  template <class T>
  void save(const T& t) {
    save_binary(&t, sizeof(T));
  }
  void save(const std::string& s) {
    const std::size_t n = s.size();
    save(n);
    save_binary(s.data(), n);
  }
  void save(const std::wstring& s) {
    const std::size_t n = s.size();
    save(n);
    save_binary(s.data(), n * sizeof(wchar_t));
  }

 private:
  std::vector<std::byte>& out_;
};

/// Reads a Boost binary archive (no header) from a span, with the guards above.
class InArchive : public boost::archive::basic_binary_iarchive<InArchive> {
  using Base = boost::archive::basic_binary_iarchive<InArchive>;
  friend class boost::archive::load_access;
  friend class boost::archive::detail::interface_iarchive<InArchive>;
  friend class boost::archive::basic_binary_iarchive<InArchive>;

 public:
  static constexpr std::uint64_t kNoTask = ~std::uint64_t{0};

  /// Errors read "<what> of task <task_id>: <problem>" (without " of task ..."
  /// for kNoTask) and carry `source_rank` (who sent the bytes, -1 if unknown).
  /// `what` is not copied: it must outlive the archive (a literal, typically).
  InArchive(std::span<const std::byte> bytes, int source_rank, std::string_view what = "value",
            std::uint64_t task_id = kNoTask)
      : Base(boost::archive::no_header),
        p_(bytes.data()),
        end_(bytes.data() + bytes.size()),
        rank_(source_rank),
        task_id_(task_id),
        what_(what) {}

  std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - p_); }
  int source_rank() const noexcept { return rank_; }

  void load_binary(void* address, std::size_t n) {
    if (n > remaining()) fail_short(n);
    if (n != 0) std::memcpy(address, p_, n);
    p_ += n;
  }

  struct use_array_optimization {
    template <class T>
    struct apply : boost::serialization::is_bitwise_serializable<T> {};
  };
  template <class V>
  void load_array(boost::serialization::array_wrapper<V>& a, unsigned int) {
    // count * sizeof(V) cannot overflow: count was checked against remaining().
    load_binary(a.address(), a.count() * sizeof(V));
  }

  [[noreturn]] void fail(const std::string& message) const {
    std::string where(what_);
    if (task_id_ != kNoTask) where += " of task " + std::to_string(task_id_);
    throw DecodeError(where + ": " + message, rank_);
  }

 protected:
  template <class T>
  void load_override(T& t) {
    this->Base::load_override(t);
  }
  // Every std container reads its element count through here before reserving.
  void load_override(boost::serialization::collection_size_type& t) {
    this->Base::load_override(t);
    if (static_cast<std::size_t>(t) > remaining()) {
      fail("a collection claims " + std::to_string(static_cast<std::size_t>(t)) +
           " elements but only " + std::to_string(remaining()) + " bytes are left");
    }
  }
  // Class names (exported polymorphic pointers) are bounded like Boost does.
  void load_override(boost::archive::class_name_type& t) {
    std::string name;
    load(name);
    if (name.size() > BOOST_SERIALIZATION_MAX_KEY_SIZE - 1) fail("class name too long");
    std::memcpy(t.t, name.data(), name.size());
    t.t[name.size()] = '\0';
  }

  template <class T>
  void load(T& t) {
    load_binary(&t, sizeof(T));
  }
  void load(bool& b) {
    unsigned char c = 0;
    load_binary(&c, 1);
    if (c > 1) fail("a bool holds byte " + std::to_string(c));
    b = c != 0;
  }
  void load(std::string& s) {
    std::size_t n = 0;
    load(n);
    if (n > remaining()) fail_length("string", n);
    s.assign(reinterpret_cast<const char*>(p_), n);
    p_ += n;
  }
  void load(std::wstring& s) {
    std::size_t n = 0;
    load(n);
    if (n > remaining() / sizeof(wchar_t)) fail_length("wide string", n);
    s.resize(n);
    load_binary(s.data(), n * sizeof(wchar_t));
  }

 private:
  [[noreturn]] void fail_short(std::size_t n) const {
    fail("truncated: needs " + std::to_string(n) + " more bytes, " + std::to_string(remaining()) + " left");
  }
  [[noreturn]] void fail_length(const char* kind, std::size_t n) const {
    fail(std::string("a ") + kind + " claims " + std::to_string(n) + " characters but only " +
         std::to_string(remaining()) + " bytes are left");
  }

  const std::byte* p_;
  const std::byte* end_;
  int rank_;
  std::uint64_t task_id_;
  std::string_view what_;
};

}  // namespace cohort::wire

BOOST_SERIALIZATION_REGISTER_ARCHIVE(cohort::wire::OutArchive)
BOOST_SERIALIZATION_REGISTER_ARCHIVE(cohort::wire::InArchive)
BOOST_SERIALIZATION_USE_ARRAY_OPTIMIZATION(cohort::wire::OutArchive)
BOOST_SERIALIZATION_USE_ARRAY_OPTIMIZATION(cohort::wire::InArchive)
