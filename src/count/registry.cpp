#include "count/attribute.h"
#include "count/families.h"
#include "flopscope/errors.h"

namespace flopscope {
namespace {

OpSet make_op_set(const std::string& name, count::Tier tier) {
  OpSet set;
  set.name = name;
  count::add_matmul_handlers(set, tier);
  count::add_contraction_handlers(set, tier);
  count::add_conv_handlers(set, tier);
  count::add_norm_handlers(set, tier);
  count::add_resample_handlers(set, tier);
  count::add_attention_handlers(set, tier);
  count::add_rnn_handlers(set, tier);
  count::add_embedding_handlers(set, tier);
  count::add_fft_handlers(set, tier);
  count::add_linalg_handlers(set, tier);
  count::add_einsum_handlers(set, tier);
  count::add_pool_handlers(set, tier);
  count::add_elementwise_handlers(set, tier);
  count::add_loss_handlers(set, tier);
  count::add_distance_handlers(set, tier);
  count::add_ignored_ops(set, tier);
  return set;
}

[[noreturn]] void unknown_op_set(const std::string& name) {
  throw InvalidInput("unknown op set '" + name + "' (use mmengine, default or all)");
}

}  // namespace

OpSet mmengine_op_set() { return make_op_set("mmengine", count::Tier::mmengine); }

OpSet op_set_named(const std::string& name) {
  if (name == "mmengine") return mmengine_op_set();
  if (name == "default") return make_op_set("default", count::Tier::standard);
  if (name == "all") return make_op_set("all", count::Tier::all);
  unknown_op_set(name);
}

const OpSet& count::shared_op_set(const std::string& name) {
  // Built on first use, once per process (thread-safe statics), and only read afterwards.
  if (name == "mmengine") {
    static const OpSet set = mmengine_op_set();
    return set;
  }
  if (name == "default") {
    static const OpSet set = op_set_named("default");
    return set;
  }
  if (name == "all") {
    static const OpSet set = op_set_named("all");
    return set;
  }
  unknown_op_set(name);
}

std::vector<std::string> ops_looked_inside(const std::string& op_set) {
  return count::looked_inside(count::shared_op_set(op_set));
}

}  // namespace flopscope
