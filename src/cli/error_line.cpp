#include "cli/error_line.h"

#include <c10/util/Exception.h>

#include <exception>

#include "flopscope/errors.h"

namespace flopscope::cli {

std::string current_error_line() {
  try {
    throw;
  } catch (const flopscope::Error& e) {
    return e.what();
  } catch (const c10::Error& e) {
    std::string what = e.what_without_backtrace();
    return what.substr(0, what.find('\n'));
  } catch (const std::exception& e) {
    std::string what = e.what();
    return what.substr(0, what.find('\n'));
  } catch (...) {
    return "failed without a reason";
  }
}

}  // namespace flopscope::cli
