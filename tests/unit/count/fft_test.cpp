// Fast Fourier transforms (src/count/fft.cpp, default and all): 5 N log2(N) flops per complex transform of N
// points, half that with a real side; flopscope counts MACs (flops / 2). On hand-built records, the arithmetic
// written out. c10::ScalarType: Float 6, ComplexFloat 9.
#include <gtest/gtest.h>

#include "support/records.h"

namespace flopscope {
namespace {

using namespace test;  // op(), macs(), named_ops(), V

V typed(std::vector<std::int64_t> shape, std::int8_t dtype) {
  V v = V::tensor(std::move(shape));
  v.dtype = dtype;
  return v;
}
constexpr std::int8_t kFloat = 6, kComplex = 9;

TEST(Fft, OneDimensional) {
  // fft(x[4, 1024] complex): 4 transforms of 1024 points, 2.5 * 1024 * log2(1024) MACs each.
  EXPECT_EQ(macs("default", "fft_fft", {typed({4, 1024}, kComplex), V::none(), V::integer(-1), V::none()},
                 {typed({4, 1024}, kComplex)}),
            4 * 1024 * 10 * 5 / 2);
  // The same on a real tensor is a real-to-complex transform: half.
  EXPECT_EQ(macs("default", "fft_ifft", {typed({4, 1024}, kFloat), V::none(), V::integer(1), V::none()},
                 {typed({4, 1024}, kComplex)}),
            4 * 1024 * 10 * 5 / 4);
  // rfft(x[3, 1000]): 3 real transforms of 1000 points (a length that is no power of two): 1.25 * 3 * 1000 *
  // log2(1000) = 3750 * 9.96578... = 37371.69, rounded down.
  EXPECT_EQ(macs("default", "fft_rfft", {typed({3, 1000}, kFloat), V::none(), V::integer(-1), V::none()},
                 {typed({3, 501}, kComplex)}),
            37371);
  // rfft(x[3, 10], n=16): the signal is zero-padded to 16 points.
  EXPECT_EQ(macs("default", "fft_rfft", {typed({3, 10}, kFloat), V::integer(16), V::integer(-1), V::none()},
                 {typed({3, 9}, kComplex)}),
            3 * 16 * 4 * 5 / 4);
  // irfft(X[2, 65]): 128 real points out, 2 transforms.
  EXPECT_EQ(macs("default", "fft_irfft", {typed({2, 65}, kComplex), V::none(), V::integer(-1), V::none()},
                 {typed({2, 128}, kFloat)}),
            2 * 128 * 7 * 5 / 4);
  // One point is no work.
  EXPECT_EQ(macs("default", "fft_fft", {typed({6, 1}, kComplex), V::none(), V::integer(-1), V::none()},
                 {typed({6, 1}, kComplex)}),
            0);
}

TEST(Fft, SeveralDimensions) {
  // fft2(x[8, 32, 32]) over (-2, -1): 8 transforms of 32 * 32 = 1024 points; real input, half of complex.
  const std::vector<V> real_in = {typed({8, 32, 32}, kFloat), V::none(), V::int_list({-2, -1}), V::none()};
  EXPECT_EQ(macs("default", "fft_fft2", real_in, {typed({8, 32, 32}, kComplex)}), 8 * 1024 * 10 * 5 / 4);
  const std::vector<V> complex_in = {typed({8, 32, 32}, kComplex), V::none(), V::int_list({-2, -1}), V::none()};
  EXPECT_EQ(macs("all", "fft_fft2", complex_in, {typed({8, 32, 32}, kComplex)}), 8 * 1024 * 10 * 5 / 2);
  // fftn(x[2, 16, 16, 16]) with neither s nor dim: every dimension, one transform of 8192 points.
  EXPECT_EQ(macs("default", "fft_fftn", {typed({2, 16, 16, 16}, kComplex), V::none(), V::none(), V::none()},
                 {typed({2, 16, 16, 16}, kComplex)}),
            8192 * 13 * 5 / 2);
  // fftn(x[5, 10, 10], s=(8, 8)): the last two dimensions, trimmed to 8 x 8: 5 transforms of 64 points.
  EXPECT_EQ(macs("default", "fft_ifftn", {typed({5, 10, 10}, kComplex), V::int_list({8, 8}), V::none(), V::none()},
                 {typed({5, 8, 8}, kComplex)}),
            5 * 64 * 6 * 5 / 2);
  // rfft2(x[4, 16, 30], s=(16, 32)): the last dimension padded to 32 (the output holds 32 // 2 + 1 = 17).
  EXPECT_EQ(macs("default", "fft_rfft2", {typed({4, 16, 30}, kFloat), V::int_list({16, 32}), V::int_list({-2, -1}),
                                          V::none()},
                 {typed({4, 16, 17}, kComplex)}),
            4 * 512 * 9 * 5 / 4);
  // FNet's token mixing: fftn over (1, 2) of a real [2, 16, 32]: 2 transforms of 512 points.
  EXPECT_EQ(macs("default", "fft_fftn", {typed({2, 16, 32}, kFloat), V::none(), V::int_list({1, 2}), V::none()},
                 {typed({2, 16, 32}, kComplex)}),
            2 * 512 * 9 * 5 / 4);
}

TEST(Fft, AtensTransforms) {
  // What an exported graph and a backward hold: _fft_c2c(self, dim, normalization, forward).
  EXPECT_EQ(macs("default", "_fft_c2c", {typed({4, 1024}, kComplex), V::int_list({1}), V::integer(0), V::boolean(true)},
                 {typed({4, 1024}, kComplex)}),
            4 * 1024 * 10 * 5 / 2);
  // _fft_r2c(self, dim, normalization, onesided): the real input's points.
  EXPECT_EQ(macs("default", "_fft_r2c", {typed({3, 1024}, kFloat), V::int_list({-1}), V::integer(0), V::boolean(true)},
                 {typed({3, 513}, kComplex)}),
            3 * 1024 * 10 * 5 / 4);
  // _fft_c2r(self, dim, normalization, last_dim_size): the real output's points, over two dimensions.
  EXPECT_EQ(macs("default", "_fft_c2r", {typed({2, 8, 65}, kComplex), V::int_list({1, 2}), V::integer(0),
                                         V::integer(128)},
                 {typed({2, 8, 128}, kFloat)}),
            2 * 1024 * 10 * 5 / 4);
}

// stft(self, n_fft, hop_length, win_length, window, normalized, onesided, return_complex, align_to_window).
std::vector<V> stft_args(V signal, std::int64_t n_fft, bool window) {
  return {std::move(signal), V::integer(n_fft), V::integer(16), V::none(), window ? typed({n_fft}, kFloat) : V::none(),
          V::boolean(false), V::none(), V::boolean(true), V::none()};
}

TEST(Fft, ShortTimeTransform) {
  // A batch of 2 signals of 1000 samples, padded to 1064 for centred frames, n_fft 64, hop 16, a Hann window:
  // (1064 - 64) / 16 + 1 = 63 frames each, out [2, 33, 63]. Each frame a real transform of 64 points:
  // 1.25 * 64 * log2(64) = 480 MACs, 126 frames.
  EXPECT_EQ(macs("default", "stft", stft_args(typed({2, 1064}, kFloat), 64, true), {typed({2, 33, 63}, kComplex)}),
            126 * 480);
  // all adds the window's product, 64 per frame.
  EXPECT_EQ(macs("all", "stft", stft_args(typed({2, 1064}, kFloat), 64, true), {typed({2, 33, 63}, kComplex)}),
            126 * 480 + 126 * 64);
  // No window: ATen multiplies by none.
  EXPECT_EQ(macs("all", "stft", stft_args(typed({2, 1064}, kFloat), 64, false), {typed({2, 33, 63}, kComplex)}),
            126 * 480);
  // A complex signal [2, 1000], not centred: (1000 - 64) / 16 + 1 = 59 frames of complex transforms, two-sided
  // [2, 64, 59]: 2.5 * 64 * 6 = 960 each.
  EXPECT_EQ(macs("default", "stft", stft_args(typed({2, 1000}, kComplex), 64, false), {typed({2, 64, 59}, kComplex)}),
            118 * 960);
  // One signal, return_complex=False: [33, 63, 2] real, the frames still at index 1.
  EXPECT_EQ(macs("default", "stft", stft_args(typed({1064}, kFloat), 64, true), {typed({33, 63, 2}, kFloat)}),
            63 * 480);
}

// istft(self, n_fft, hop_length, win_length, window, center, normalized, onesided, length, return_complex).
std::vector<V> istft_args(V spectrum, V onesided, bool return_complex) {
  return {std::move(spectrum), V::integer(64), V::integer(16), V::none(), typed({64}, kFloat), V::boolean(true),
          V::boolean(false), std::move(onesided), V::none(), V::boolean(return_complex)};
}

TEST(Fft, InverseShortTimeTransform) {
  // The spectrum above, [2, 33, 63]: 33 bins of n_fft 64 is one-sided (ATen's default when n_freq != n_fft), so
  // each of the 126 frames is a complex-to-real inverse of 64 points, 480 MACs; out [2, 992] (1056 overlap-added
  // samples less the 32 + 32 of centring).
  EXPECT_EQ(macs("default", "istft", istft_args(typed({2, 33, 63}, kComplex), V::none(), false),
                 {typed({2, 992}, kFloat)}),
            126 * 480);
  // all adds the window's product (64 per frame) and the division by the window's envelope (one per output sample).
  EXPECT_EQ(macs("all", "istft", istft_args(typed({2, 33, 63}, kComplex), V::none(), false),
                 {typed({2, 992}, kFloat)}),
            126 * 480 + 126 * 64 + 2 * 992);
  // A two-sided spectrum [64, 63] (n_freq == n_fft), or onesided=False said outright: complex inverses, 960 each.
  EXPECT_EQ(macs("default", "istft", istft_args(typed({64, 63}, kComplex), V::none(), true), {typed({992}, kComplex)}),
            63 * 960);
  EXPECT_EQ(macs("default", "istft", istft_args(typed({64, 63}, kComplex), V::boolean(false), false),
                 {typed({992}, kFloat)}),
            63 * 960);
}

TEST(Fft, OpSetsAndBadRecords) {
  // mmengine counts no transform: reported unsupported, as mmengine reports it.
  for (const char* name : {"fft_fft", "fft_rfftn", "_fft_c2c", "_fft_r2c", "_fft_c2r", "stft", "istft"})
    EXPECT_EQ(named_ops("mmengine").flops.count(std::string("aten::") + name), 0u) << name;
  for (const char* name :
       {"fft_fft", "fft_ifft2", "fft_rfftn", "fft_irfft", "fft_hfft2", "fft_ihfftn", "_fft_c2r", "stft", "istft"})
    EXPECT_EQ(named_ops("all").flops.at(std::string("aten::") + name).key, "fft") << name;
  // A dimension the tensor does not have, or an output of another rank, is a formula error, not a crash.
  EXPECT_THROW(macs("default", "fft_fft", {typed({4, 8}, kComplex), V::none(), V::integer(2), V::none()},
                    {typed({4, 8}, kComplex)}),
               FormulaError);
  EXPECT_THROW(macs("default", "fft_fft2", {typed({4, 8}, kComplex), V::none(), V::int_list({-2, -1}), V::none()},
                    {typed({32}, kComplex)}),
               FormulaError);
  EXPECT_THROW(macs("default", "_fft_c2c", {typed({4, 8}, kComplex), V::integer(1), V::integer(0), V::boolean(true)}),
               FormulaError);
  // An stft without its n_fft, or of a signal of three dimensions.
  EXPECT_THROW(macs("default", "stft", {typed({2, 1064}, kFloat), V::none(), V::none(), V::none(), V::none()},
                    {typed({2, 33, 63}, kComplex)}),
               FormulaError);
  EXPECT_THROW(macs("default", "stft", stft_args(typed({1, 2, 1064}, kFloat), 64, false),
                    {typed({1, 2, 33, 63}, kComplex)}),
               FormulaError);
}

}  // namespace
}  // namespace flopscope
