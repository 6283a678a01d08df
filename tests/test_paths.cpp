// The two absolute paths the test programs need, compiled in this file alone (CMakeLists.txt gives it the
// definitions and keeps it out of the unity groups): a path in a definition shared by the whole target would
// change every group's compile command per clone, and ccache would miss them all in a clone at a new path.
#include "test_support.h"

namespace flopscope::test {

std::string fixture_dir() { return FLOPSCOPE_FIXTURE_DIR; }

std::string tests_dir() { return FLOPSCOPE_TESTS_DIR; }

}  // namespace flopscope::test
