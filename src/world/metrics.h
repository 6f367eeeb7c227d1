#pragma once
// Frame quality against ground truth, on 8-bit frames (data range 255).
#include "edgewm/image.h"

namespace edgewm::world {

// Peak signal-to-noise ratio in dB over all pixels and channels; +inf for identical frames.
double psnr(const Image& a, const Image& b);

// Structural similarity (Wang et al. 2004): 11x11 Gaussian window, sigma 1.5, K1 0.01, K2 0.03,
// population statistics, averaged over the window positions that fit inside the frame and over
// channels — scikit-image's structural_similarity(gaussian_weights=True, sigma=1.5,
// use_sample_covariance=False, data_range=255, channel_axis=-1).
double ssim(const Image& a, const Image& b);

}  // namespace edgewm::world
