#include "api/autocast_casts.h"

#include <ATen/autocast_mode.h>

namespace flopscope::api {

void fresh_autocast_casts() { at::autocast::clear_cache(); }

}  // namespace flopscope::api
