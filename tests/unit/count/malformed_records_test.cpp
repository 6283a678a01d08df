// Every formula of every op set on records no capture makes but a file can declare (a .pt2's graph is read, not
// run): missing arguments, the wrong kinds, ranks the formula does not expect, empty and negative sizes, broken
// equations. A formula returns a count or refuses with an exception; it never reads past what it was given (the
// sanitizer build runs this too) and never crashes.
#include <gtest/gtest.h>

#include <exception>
#include <string>
#include <vector>

#include "support/records.h"

namespace flopscope {
namespace {

using namespace test;  // op(), named_ops(), V

std::vector<std::vector<Value>> malformed_arguments() {
  std::vector<std::vector<Value>> out = {{}};
  const std::vector<Value> kinds = {
      V::none(), V::other(), V::tensor({}), V::tensor({3}), V::tensor({2, 3, 4, 5, 6}), V::tensor({0, 4}),
      V::tensor({-1, 4}), V::integer(-2), V::real(0.5), V::boolean(true), V::int_list({}), V::int_list({-1, 0}),
      V::tensor_list({}), V::tensor_list({{3}, {}}), V::string(""), V::string("a......b,bc->ac"), V::string("->"),
      V::string("ab,bc,cd")};
  for (const Value& v : kinds) {
    out.push_back({v});
    out.push_back(std::vector<Value>(14, v));  // every argument of the longest schemas that kind
  }
  // An einsum-shaped call with operands that do not match its equation.
  out.push_back({V::string("ab,bc->ac"), V::tensor_list({{2, 3}}), V::int_list({0, 1, 0, 1})});
  out.push_back({V::string("a...,b...->ab"), V::tensor_list({{2}, {3, 4, 5}}), V::none()});
  return out;
}

TEST(MalformedRecords, EveryFormulaCountsOrRefusesNeverCrashes) {
  const auto arguments = malformed_arguments();
  const std::vector<std::vector<Value>> outputs = {{}, {V::tensor({2, 3})}, {V::other()}, {V::tensor({})}};
  std::size_t calls = 0;
  for (const char* set_name : {"mmengine", "default", "all"}) {
    const OpSet& set = named_ops(set_name);
    for (const auto* handlers : {&set.flops, &set.activations}) {
      for (const auto& [name, handler] : *handlers) {
        for (const auto& in : arguments) {
          for (const auto& out : outputs) {
            const OpRecord r = op(name, in, out);
            try {
              (void)handler.formula(r);
              if (handler.returns_float) (void)handler.returns_float(r);
            } catch (const std::exception&) {
              // a refusal: what the counting stage turns into a warning
            }
            ++calls;
          }
        }
      }
    }
  }
  EXPECT_GT(calls, 1000u);
}

}  // namespace
}  // namespace flopscope
