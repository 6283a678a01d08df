// The seed's example 1 from outside flopscope's tree, through the installed headers and library only.
#include <flopscope/complexity.h>
#include <flopscope/models.h>

#include <iostream>

int main() {
  flopscope::models::TestNet net;
  const flopscope::InputShape input{10};  // one input of 10 features; mmengine's batch of 1 is prepended
  const auto info = flopscope::get_model_complexity_info(net, input, std::nullopt, false, false);
  std::cout << "flops " << info.flops << " params " << info.params << "\n";
  // Four Linear(10, 10) at batch 1: 4 * 10 * 10 MACs, 4 * (100 + 10) parameters (the seed's 400 and 440).
  return info.flops == 4 * 10 * 10 && info.params == 4 * (10 * 10 + 10) ? 0 : 1;
}
