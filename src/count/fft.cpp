// Fast Fourier transforms (default and all; mmengine, fvcore and FlopCounterMode count none of them, so a
// spectral model's token mixing, FNet's or a Fourier neural operator's, read as free). The convention is the
// one FFTW and the FFT literature benchmark with: a complex transform of N points costs 5 N log2(N) real flops
// (N/2 log2 N radix-2 butterflies, each a complex multiply and two complex adds), a transform with a real side
// half that. Over several dimensions N is the product of their lengths (the per-dimension passes add up to
// 5 N log2 N). In MACs, flopscope's unit (flops / 2), per transform:
//   complex to complex:                 2.5  * N * log2(N)
//   real to complex, complex to real:   1.25 * N * log2(N)
// times the number of transforms, the product of the other dimensions; rounded down.
// N is the signal's length after the padding or trimming that n (or s) asks for: the complex side's length for
// fft/ifft, the real side's for rfft/ihfft and irfft/hfft (the output for those). fft or ifft of a real tensor is
// a real-to-complex transform (ATen runs it as one). Pocket FFT and cuFFT also run lengths that are not powers
// of two in O(N log N), so log2 is taken of N as it is.
// torch.fft's functions count where the model calls them; an exported graph (or a training step's backward) has
// the three transforms ATen runs below them, counted by the same rule.
// Short-time transforms (an audio model's spectrogram computed inside its forward, a vocoder's inverse), per
// frame of n_fft points, as ATen runs them:
//   stft:   one transform per frame, real input 1.25 * n_fft * log2(n_fft), complex 2.5 * ...; all adds the
//           window's multiplication, n_fft per frame, when a window is given (ATen multiplies none otherwise)
//   istft:  one inverse per frame, 1.25 * ... when onesided (complex to real), else 2.5 * ...; all adds the
//           window's multiplication (n_fft per frame, a window of ones when none is given) and the division of
//           the overlap-added signal by the window's envelope, numel(output); the envelope's own few ops
//           (n_fft squares, a minimum over the output's length) are left out.
// The frames' overlap-add and the padding center asks for are data movement.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "count/families.h"
#include "count/shapes.h"

namespace flopscope::count {
namespace {

enum class Sides { complex, real };

bool complex_dtype(const Value& v) {
  // c10::ScalarType: ComplexHalf 8, ComplexFloat 9, ComplexDouble 10. Unknown (-1): counted as complex.
  return v.dtype == -1 || v.dtype == 8 || v.dtype == 9 || v.dtype == 10;
}

// `batch` transforms of `n` points each.
Count transform_macs(Count batch, Count n, Sides sides) {
  if (batch == 0 || n <= 1) return 0;
  const long double per_point = sides == Sides::complex ? 2.5L : 1.25L;
  const long double macs = per_point * static_cast<long double>(mul(batch, n)) * std::log2(static_cast<long double>(n));
  if (macs >= static_cast<long double>(std::numeric_limits<Count>::max()))
    throw CountOverflow("an FFT of " + std::to_string(n) + " points " + std::to_string(batch) + " times overflows int64");
  return static_cast<Count>(macs);
}

std::size_t wrap_dim(std::int64_t d, std::size_t rank, const OpRecord& r) {
  const auto rank_i = static_cast<std::int64_t>(rank);
  require(d >= -rank_i && d < rank_i, r, "transforms a dimension the tensor does not have");
  return static_cast<std::size_t>(d < 0 ? d + rank_i : d);
}

// The transformed dimensions, as torch.fft reads its arguments: an int (1-D functions), a list (2-D ones,
// [-2, -1] by default), or for the n-D ones none: the last len(s) dimensions where s is given, else all.
std::vector<std::size_t> transformed_dims(const OpRecord& r, std::size_t rank) {
  const Value& dim = input(r, 2);
  const Value& s = input(r, 1);
  std::vector<std::size_t> out;
  if (dim.kind == Value::Kind::Int) {
    out.push_back(wrap_dim(static_cast<std::int64_t>(dim.number), rank, r));
  } else if (dim.kind == Value::Kind::IntList) {
    for (auto d : dim.sizes) out.push_back(wrap_dim(d, rank, r));
  } else if (s.kind == Value::Kind::IntList) {
    require(s.sizes.size() <= rank, r, "s names more dimensions than the tensor has");
    for (std::size_t i = rank - s.sizes.size(); i < rank; ++i) out.push_back(i);
  } else {
    for (std::size_t i = 0; i < rank; ++i) out.push_back(i);
  }
  return out;
}

// A torch.fft function: the signal's shape along each transformed dimension (`lengths`) and the transforms'
// count, from the output (whose transformed dimensions hold the signal's lengths, but for a real-to-complex
// transform's last one, which holds n // 2 + 1).
Count torch_fft_macs(const OpRecord& r, bool real_input_side, bool real_output_side) {
  const auto& in = input_shape(r, 0);
  const auto& out = output_shape(r);
  require(in.size() == out.size(), r, "expects an output of the input's rank");
  const auto dims = transformed_dims(r, out.size());
  if (dims.empty()) return 0;
  Count n = 1;
  for (std::size_t k = 0; k < dims.size(); ++k) {
    std::int64_t length = out[dims[k]];
    if (real_input_side && k + 1 == dims.size()) {  // rfft, ihfft: the real input's length, padded or trimmed to n
      const Value& s = input(r, 1);
      length = s.kind == Value::Kind::Int ? static_cast<std::int64_t>(s.number)
               : s.kind == Value::Kind::IntList && !s.sizes.empty() ? s.sizes.back()
                                                                     : in[dims[k]];
    }
    n = mul(n, length);
  }
  Count batch = 1;
  for (std::size_t d = 0; d < out.size(); ++d)
    if (std::find(dims.begin(), dims.end(), d) == dims.end()) batch = mul(batch, out[d]);
  const bool real = real_input_side || real_output_side || !complex_dtype(input(r, 0));
  return transform_macs(batch, n, real ? Sides::real : Sides::complex);
}

Count complex_fft(const OpRecord& r) { return torch_fft_macs(r, false, false); }  // fft, ifft (2, n)
Count real_to_complex(const OpRecord& r) { return torch_fft_macs(r, true, false); }  // rfft, ihfft (2, n)
Count complex_to_real(const OpRecord& r) { return torch_fft_macs(r, false, true); }  // irfft, hfft (2, n)

// ATen's transforms, (self, dim[], normalization, ...): the signal is the input for c2c and r2c, the output
// for c2r.
Count aten_fft_macs(const OpRecord& r, const std::vector<std::int64_t>& signal, Sides sides) {
  const Value& dim = input(r, 1);
  require(dim.kind == Value::Kind::IntList, r, "expects a list of dimensions");
  std::vector<std::size_t> dims;
  for (auto d : dim.sizes) dims.push_back(wrap_dim(d, signal.size(), r));
  Count n = 1, batch = 1;
  for (std::size_t d = 0; d < signal.size(); ++d) {
    if (std::find(dims.begin(), dims.end(), d) != dims.end())
      n = mul(n, signal[d]);
    else
      batch = mul(batch, signal[d]);
  }
  return transform_macs(batch, n, sides);
}

Count fft_c2c(const OpRecord& r) { return aten_fft_macs(r, input_shape(r, 0), Sides::complex); }
Count fft_r2c(const OpRecord& r) { return aten_fft_macs(r, input_shape(r, 0), Sides::real); }
Count fft_c2r(const OpRecord& r) { return aten_fft_macs(r, output_shape(r), Sides::real); }

// stft(self, n_fft, hop_length, win_length, window, ...), both overloads: self [L] or [B, L]; the output
// [(B,) n_freq, frames] complex, or the same with a trailing 2 (return_complex=False): frames sit at the
// index of the input's rank either way. All: the window's product too.
template <bool All>
Count stft_macs(const OpRecord& r) {
  const auto& in = input_shape(r, 0);
  const auto& out = output_shape(r);
  require(in.size() == 1 || in.size() == 2, r, "expects a signal of one or two dimensions");
  require(out.size() > in.size(), r, "expects an output of frequencies by frames");
  const Value& n_fft = input(r, 1);
  require(n_fft.kind == Value::Kind::Int && n_fft.number > 0, r, "expects n_fft, a positive int");
  const auto n = static_cast<Count>(n_fft.number);
  const Count frames = mul(in.size() == 2 ? in[0] : 1, out[in.size()]);
  Count macs = transform_macs(frames, n, complex_dtype(input(r, 0)) ? Sides::complex : Sides::real);
  if (All && input(r, 4).kind == Value::Kind::Tensor) macs = add(macs, mul(frames, n));
  return macs;
}

// istft(self, n_fft, hop_length, win_length, window, center, normalized, onesided, length, return_complex):
// self [(B,) n_freq, frames] complex; onesided, when not given, is n_freq != n_fft (ATen's default). All: the
// window's product and the envelope division too.
template <bool All>
Count istft_macs(const OpRecord& r) {
  const auto& in = input_shape(r, 0);
  require(in.size() == 2 || in.size() == 3, r, "expects a spectrum of frequencies by frames");
  const Value& n_fft = input(r, 1);
  require(n_fft.kind == Value::Kind::Int && n_fft.number > 0, r, "expects n_fft, a positive int");
  const auto n = static_cast<Count>(n_fft.number);
  const Value& onesided = input(r, 7);
  const bool real = onesided.kind == Value::Kind::Bool ? onesided.number != 0 : in[in.size() - 2] != n;
  const Count frames = mul(in.size() == 3 ? in[0] : 1, in.back());
  Count macs = transform_macs(frames, n, real ? Sides::real : Sides::complex);
  if (All) macs = add(macs, add(mul(frames, n), output_elements(r)));
  return macs;
}

}  // namespace

void add_fft_handlers(OpSet& set, Tier tier) {
  if (tier < Tier::standard) return;
  const char* complex_text = "2.5*N*log2(N) per transform (real input: 1.25*N*log2(N))";
  const char* real_text = "1.25*N*log2(N) per transform (N: the real signal's length)";
  for (const char* suffix : {"", "2", "n"}) {
    const std::string s(suffix);
    for (const char* op : {"fft", "ifft"}) set.flops["aten::fft_" + std::string(op) + s] = {"fft", complex_fft, complex_text};
    for (const char* op : {"rfft", "ihfft"}) set.flops["aten::fft_" + std::string(op) + s] = {"fft", real_to_complex, real_text};
    for (const char* op : {"irfft", "hfft"}) set.flops["aten::fft_" + std::string(op) + s] = {"fft", complex_to_real, real_text};
  }
  set.flops["aten::_fft_c2c"] = {"fft", fft_c2c, "2.5*N*log2(N) per transform, N: the product of dim's lengths"};
  set.flops["aten::_fft_r2c"] = {"fft", fft_r2c, "1.25*N*log2(N) per transform, N: the real input's lengths on dim"};
  set.flops["aten::_fft_c2r"] = {"fft", fft_c2r, "1.25*N*log2(N) per transform, N: the real output's lengths on dim"};
  if (tier == Tier::all) {
    set.flops["aten::stft"] = {"fft", stft_macs<true>,
                               "per frame: 1.25*n_fft*log2(n_fft) (complex input: 2.5*...) + n_fft (window)"};
    set.flops["aten::istft"] = {"fft", istft_macs<true>,
                                "per frame: 1.25*n_fft*log2(n_fft) (two-sided: 2.5*...) + n_fft (window); "
                                "+ numel(output)"};
  } else {
    set.flops["aten::stft"] = {"fft", stft_macs<false>, "1.25*n_fft*log2(n_fft) per frame (complex input: 2.5*...)"};
    set.flops["aten::istft"] = {"fft", istft_macs<false>, "1.25*n_fft*log2(n_fft) per frame (two-sided: 2.5*...)"};
  }
}

}  // namespace flopscope::count
