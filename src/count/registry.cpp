#include "count/families.h"
#include "flopscope/errors.h"

namespace flopscope {

OpSet mmengine_op_set() {
  OpSet set;
  set.name = "mmengine";
  count::add_matmul_handlers(set);
  count::add_conv_handlers(set);
  count::add_norm_handlers(set);
  count::add_resample_handlers(set);
  count::add_ignored_ops(set);
  return set;
}

OpSet op_set_named(const std::string& name) {
  if (name == "mmengine") return mmengine_op_set();
  throw InvalidInput("unknown op set '" + name + "' (known: mmengine)");
}

}  // namespace flopscope
