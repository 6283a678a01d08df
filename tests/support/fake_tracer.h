#pragma once
/// A recording ActivityTracer for tests of code that drives a tracer: it keeps every call in order and
/// returns a log the test prepared, so the timing pass's logic is tested without a GPU.
#include <string>
#include <vector>

#include "gpu/tracer.h"

namespace flopscope::gpu {

class FakeTracer : public ActivityTracer {
 public:
  /// Every call as text: "start", "push 4294967298", "pop", "now", "stop".
  std::vector<std::string> calls;
  /// The ids on the fake correlation stack; pop() on an empty stack is recorded as "pop (empty)".
  std::vector<std::uint64_t> stack;
  /// What stop() returns.
  ActivityLog log;
  /// now_ns() returns this and then advances it by `tick_ns`.
  std::uint64_t clock_ns = 1000, tick_ns = 10;

  void start() override { calls.push_back("start"); }
  void push(std::uint64_t id) override {
    calls.push_back("push " + std::to_string(id));
    stack.push_back(id);
  }
  void pop() override {
    calls.push_back(stack.empty() ? "pop (empty)" : "pop");
    if (!stack.empty()) stack.pop_back();
  }
  std::uint64_t now_ns() override {
    calls.push_back("now");
    std::uint64_t t = clock_ns;
    clock_ns += tick_ns;
    return t;
  }
  ActivityLog stop() override {
    calls.push_back("stop");
    return log;
  }
};

}  // namespace flopscope::gpu
