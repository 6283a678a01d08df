#pragma once
/// The console a rich table is printed into. mmengine draws its table with rich's Console(), which narrows a table
/// wider than the console and, where it renders styles, makes the header bold: mmengine's table text depends on where
/// it runs. flopscope draws the same table for a console described here (the Python package's drop-in describes the
/// one rich would find: python/flopscope/_console.py); the default is no console, a table as wide as its cells.
#include <cstddef>

namespace flopscope {

struct TableConsole {
  /// Columns. A wider table is fitted to it as rich fits it (src/report/rich_fit.h): columns narrowed, cells
  /// wrapped onto more lines, long words cut with "…". 0: no limit.
  std::size_t width = 0;
  /// It renders styles (a terminal, a notebook): the header row is bold, in ANSI codes as rich writes them.
  bool styled = false;
};

}  // namespace flopscope
