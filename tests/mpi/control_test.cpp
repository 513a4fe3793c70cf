// The cluster's control messages (hello, stop, stop_ack, error_report): round
// trip of each, and garbage that must be a DecodeError naming the sender.
#include "control.hpp"

#include <cohort/core/error.hpp>
#include <cohort/wire/envelope.hpp>

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace {

using cohort::cluster::detail::Control;
using cohort::cluster::detail::ControlOp;
using cohort::cluster::detail::decode_control;
using cohort::cluster::detail::encode_control;

std::vector<std::byte> payload_of(const std::vector<std::byte>& message) {
  auto view = cohort::wire::decode_envelope(message, 3);
  EXPECT_EQ(view.header.kind, cohort::wire::MessageKind::control);
  return {view.payload.begin(), view.payload.end()};
}

TEST(Control, EveryOperationRoundTrips) {
  for (ControlOp op : {ControlOp::hello, ControlOp::stop, ControlOp::stop_ack, ControlOp::error_report}) {
    Control c{op, 8, 1234, 99, op == ControlOp::hello ? "node-7" : "malformed message from rank 0: x"};
    Control back = decode_control(payload_of(encode_control(c)), 3);
    EXPECT_EQ(back.op, c.op);
    EXPECT_EQ(back.threads, c.threads);
    EXPECT_EQ(back.batch_id, c.batch_id);
    EXPECT_EQ(back.count, c.count);
    EXPECT_EQ(back.text, c.text);
  }
}

void expect_decode_error(const std::vector<std::byte>& payload, const std::string& mentions) {
  try {
    decode_control(payload, 4);
    ADD_FAILURE() << "expected a DecodeError mentioning '" << mentions << "'";
  } catch (const cohort::DecodeError& e) {
    EXPECT_EQ(e.source_rank(), 4);
    EXPECT_NE(std::string(e.what()).find("from rank 4"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(mentions), std::string::npos) << e.what();
  }
}

TEST(Control, GarbageIsADecodeErrorNamingTheSender) {
  const std::vector<std::byte> good = payload_of(encode_control(Control{ControlOp::hello, 2, 0, 0, "host"}));
  expect_decode_error({}, "at least");
  expect_decode_error(std::vector<std::byte>(good.begin(), good.begin() + 10), "at least");
  auto bad_op = good;
  bad_op[0] = std::byte{9};
  expect_decode_error(bad_op, "unknown operation");
  auto reserved = good;
  reserved[2] = std::byte{1};
  expect_decode_error(reserved, "reserved");
  auto long_text = good;
  long_text[24] = std::byte{200};  // claims 200 bytes of text, has 4
  expect_decode_error(long_text, "text");
  auto trailing = good;
  trailing.push_back(std::byte{0});
  expect_decode_error(trailing, "text");
}

TEST(Control, RandomBytesNeverCrash) {
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::vector<std::byte> junk(rng() % 64);
    for (auto& b : junk) b = static_cast<std::byte>(rng());
    try {
      decode_control(junk, 1);
    } catch (const cohort::DecodeError&) {
    }
  }
}

}  // namespace
