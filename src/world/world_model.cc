#include "edgewm/world.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <sstream>

#include "core/rng.h"
#include "diffusion/edm.h"
#include "diffusion/model_metadata.h"
#include "diffusion/sampler.h"
#include "edgewm/session.h"
#include "imaging/image_tensor.h"
#include "imaging/motion.h"

namespace edgewm {

namespace {

using Clock = std::chrono::steady_clock;
double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string meta(const Model& m, const std::string& key, const std::string& fallback = {}) {
  auto it = m.metadata().find(key);
  if (it != m.metadata().end()) return it->second;
  if (fallback.empty())
    throw Error(ErrorKind::kInvalidArgument, "model metadata has no '" + key +
                                                 "': not a world model, or compiled without its model.json "
                                                 "(edgewm compile reads it from the ONNX folder, or pass --meta)");
  return fallback;
}


// The noise level and the action take a handful of values per run: the denoiser's
// conditioning path (noise embedding + action embedding -> per-block modulation) is computed
// once per (sigma, action) and replayed after.
SessionOptions session_options(const Model* m, const WorldModelOptions& o) {
  SessionOptions so;
  so.threads = o.threads;
  if (m && o.memoize_conditioning)
    for (const auto& in : m->inputs())
      if (in.name == "sigma" || in.name == "action") so.memoize_inputs.push_back(in.name);
  return so;
}

}  // namespace

struct WorldModel::Impl {
  std::shared_ptr<const Model> model;
  Session session;
  int k = 0, h = 0, w = 0, steps = 0;
  diffusion::EdmSchedule schedule;
  std::vector<std::string> actions;
  int in_noisy = -1, in_sigma = -1, in_past = -1, in_action = -1;
  Tensor noisy, sigma, past, action;
  std::vector<Tensor> ring;  // K frames as [1, 3, H, W] in [-1, 1]; ring[head] is the oldest
  int head = 0;
  bool ready = false;
  Rng rng;
  uint64_t seed;
  Image frame;
  StepTiming timing;
  WorldModelOptions opt;
  double eval_ms_estimate = 0;  // running cost of one denoiser call, for the deadline
  std::vector<float> denoised, previous_denoised;
  std::vector<float> sigmas;          // the schedule: fixed, so computed once
  std::unique_ptr<diffusion::Sampler> sampler;
  std::vector<TensorView> inputs;     // views of noisy/sigma/past/action in the model's order

  Impl(std::shared_ptr<const Model> m, const WorldModelOptions& o)
      : model(m), session(m, session_options(m.get(), o)), seed(o.seed), opt(o) {
    const Model& mm = *model;
    if (meta(mm, "diffusion.parameterization") != "edm-x0")
      throw Error(ErrorKind::kInvalidArgument, "world model parameterization '" +
                                                   meta(mm, "diffusion.parameterization") +
                                                   "' is not supported (edm-x0 is)");
    meta(mm, "world.context_frames");  // required
    k = static_cast<int>(diffusion::meta_int(mm, "world.context_frames", 0, 1, 64));
    schedule.sigma_min = diffusion::meta_number(mm, "diffusion.sigma_min", 0.002);
    schedule.sigma_max = diffusion::meta_number(mm, "diffusion.sigma_max", 80);
    schedule.rho = diffusion::meta_number(mm, "diffusion.rho", 7);
    steps = o.steps > 0 ? o.steps : static_cast<int>(diffusion::meta_int(mm, "diffusion.steps", 3, 1, diffusion::kMaxSteps));
    if (steps > diffusion::kMaxSteps)
      throw Error(ErrorKind::kInvalidArgument, std::to_string(steps) + " denoising steps: at most " +
                                                   std::to_string(diffusion::kMaxSteps));
    if (o.warm_start_step < 0 || o.warm_start_step >= steps)
      throw Error(ErrorKind::kInvalidArgument, "warm start step " + std::to_string(o.warm_start_step) +
                                                   " is outside 0.." + std::to_string(steps - 1));
    if (o.warm_start_from != "motion" && o.warm_start_from != "last")
      throw Error(ErrorKind::kInvalidArgument, "warm start forecast '" + o.warm_start_from + "' is not motion or last");
    if (o.early_exit_tol < 0 || o.budget_ms < 0)
      throw Error(ErrorKind::kInvalidArgument, "early exit tolerance and budget must be >= 0");
    std::stringstream names(meta(mm, "world.action_names"));
    for (std::string a; std::getline(names, a, ',');) actions.push_back(a);
    auto find = [&](const char* name) {
      int i = session.input_index(name);
      if (i < 0) throw Error(ErrorKind::kInvalidArgument, std::string("world model has no input '") + name + "'");
      return i;
    };
    in_noisy = find("noisy_frame"), in_sigma = find("sigma"), in_past = find("past_frames"), in_action = find("action");
    const auto& ins = mm.inputs();
    const Shape& ns = ins[in_noisy].shape;
    if (ns.rank() != 4 || ns[0] != 1 || ns[1] != 3)
      throw Error(ErrorKind::kInvalidArgument, "world model input noisy_frame is [" + ns.str() +
                                                   "], expected [1x3xHxW] (compile with --batch 1)");
    h = static_cast<int>(ns[2]), w = static_cast<int>(ns[3]);
    if (ins[in_past].shape != Shape{1, 3 * k, h, w} || ins[in_sigma].shape != Shape{1} ||
        ins[in_action].shape != Shape{1} || ins[in_action].dtype != DType::kI64 || ins[in_sigma].dtype != DType::kF32)
      throw Error(ErrorKind::kInvalidArgument,
                  "world model inputs do not match K=" + std::to_string(k) +
                      ": expected past_frames f32[1x" + std::to_string(3 * k) + "x" + std::to_string(h) + "x" +
                      std::to_string(w) + "], sigma f32[1], action i64[1]");
    noisy = Tensor(DType::kF32, ns);
    sigma = Tensor(DType::kF32, Shape{1});
    past = Tensor(DType::kF32, ins[in_past].shape);
    action = Tensor(DType::kI64, Shape{1});
    for (int i = 0; i < k; ++i) ring.emplace_back(DType::kF32, Shape{1, 3, h, w});
    sigmas = diffusion::karras_sigmas(steps, schedule);
    sampler = diffusion::Sampler::create_edm(o.sampler.empty() ? meta(mm, "diffusion.sampler", "euler") : o.sampler, sigmas);
    inputs.resize(4);
    inputs[in_noisy] = noisy.view();
    inputs[in_sigma] = sigma.view();
    inputs[in_past] = past.view();
    inputs[in_action] = action.view();
    denoised.resize(static_cast<size_t>(3) * h * w);
    previous_denoised.resize(denoised.size());
  }

  void push(const Image& img) {
    image_to_tensor(img, ring[head].view(), 0);
    head = (head + 1) % k;
  }
};

WorldModel::WorldModel(std::shared_ptr<const Model> model, const WorldModelOptions& options)
    : impl_(std::make_unique<Impl>(std::move(model), options)) {}
WorldModel::~WorldModel() = default;

int WorldModel::context_frames() const { return impl_->k; }
int WorldModel::frame_width() const { return impl_->w; }
int WorldModel::frame_height() const { return impl_->h; }
const std::vector<std::string>& WorldModel::action_names() const { return impl_->actions; }
int WorldModel::steps() const { return impl_->steps; }
const StepTiming& WorldModel::last_timing() const { return impl_->timing; }

void WorldModel::reset(std::span<const Image> history) {
  Impl& d = *impl_;
  if (static_cast<int>(history.size()) != d.k)
    throw Error(ErrorKind::kInvalidArgument, "world model reset needs " + std::to_string(d.k) + " frames, got " +
                                                 std::to_string(history.size()));
  d.head = 0;
  for (const Image& f : history) d.push(f);
  d.rng = Rng(d.seed);
  d.ready = true;
}

void WorldModel::observe(const Image& frame) {
  Impl& d = *impl_;
  if (!d.ready) throw Error(ErrorKind::kInvalidArgument, "world model: observe() before reset()");
  d.head = (d.head + d.k - 1) % d.k;  // overwrite the newest slot
  d.push(frame);
}

const Image& WorldModel::step(int action) {
  Impl& d = *impl_;
  if (!d.ready) throw Error(ErrorKind::kInvalidArgument, "world model: step() before reset()");
  if (action < 0 || action >= static_cast<int>(d.actions.size()))
    throw Error(ErrorKind::kInvalidArgument, "world model: action " + std::to_string(action) + " is outside 0.." +
                                                 std::to_string(d.actions.size() - 1));
  const auto t0 = Clock::now();
  // past_frames: the ring, oldest first, as one [1, 3K, H, W] tensor.
  const size_t frame_floats = static_cast<size_t>(3) * d.h * d.w;
  for (int i = 0; i < d.k; ++i)
    std::memcpy(d.past.as<float>() + i * frame_floats, d.ring[(d.head + i) % d.k].as<float>(), frame_floats * 4);
  d.action.as<int64_t>()[0] = action;
  const auto t1 = Clock::now();

  const std::vector<float>& sigmas = d.sigmas;
  float* x = d.noisy.as<float>();
  const int start = d.opt.warm_start_step;
  // Warm start: a forecast of the next frame noised to sigmas[start]; the skipped high-noise
  // steps would mostly have rediscovered it.
  std::fill(x, x + frame_floats, 0.f);
  if (start > 0) {
    std::span<const float> newest(d.ring[(d.head + d.k - 1) % d.k].as<float>(), frame_floats);
    if (d.opt.warm_start_from == "motion" && d.k >= 2) {
      std::span<const float> before(d.ring[(d.head + d.k - 2) % d.k].as<float>(), frame_floats);
      translate(newest, {x, frame_floats}, 3, d.h, d.w, estimate_translation(before, newest, 3, d.h, d.w));
    } else {
      std::copy(newest.begin(), newest.end(), x);
    }
  }
  for (size_t i = 0; i < frame_floats; ++i) x[i] += static_cast<float>(d.rng.normal()) * sigmas[start];
  StepTiming timing;
  diffusion::Sampler& sampler = *d.sampler;
  sampler.restart();
  const size_t evals = sampler.evaluations();
  for (size_t e = sampler.evaluation_at_level(static_cast<size_t>(start)); e < evals; ++e) {
    if (d.opt.budget_ms > 0 && timing.nfe > 0 && ms(Clock::now() - t0) + d.eval_ms_estimate > d.opt.budget_ms) {
      timing.exit = StepTiming::Exit::kDeadline;
      break;
    }
    const auto e0 = Clock::now();
    d.sigma.as<float>()[0] = static_cast<float>(sampler.timesteps()[e]);
    auto outs = d.session.run(d.inputs);
    std::swap(d.denoised, d.previous_denoised);
    std::copy_n(outs[0].as<float>(), frame_floats, d.denoised.begin());
    ++timing.nfe;
    const double eval_ms = ms(Clock::now() - e0);
    d.eval_ms_estimate = d.eval_ms_estimate == 0 ? eval_ms : std::max(eval_ms, 0.8 * d.eval_ms_estimate + 0.2 * eval_ms);
    if (d.opt.early_exit_tol > 0 && timing.nfe > 1 && e + 1 < evals) {
      double diff = 0, norm = 0;
      for (size_t i = 0; i < frame_floats; ++i) {
        const double dd = d.denoised[i] - d.previous_denoised[i];
        diff += dd * dd;
        norm += static_cast<double>(d.denoised[i]) * d.denoised[i];
      }
      if (std::sqrt(diff) <= d.opt.early_exit_tol * std::sqrt(std::max(norm, 1e-12))) {
        timing.exit = StepTiming::Exit::kConverged;
        break;
      }
    }
    sampler.step(e, d.denoised, {x, frame_floats});
  }
  // Stopped early: the best estimate is the latest clean-frame prediction.
  if (timing.exit != StepTiming::Exit::kFull) std::copy(d.denoised.begin(), d.denoised.end(), x);
  for (size_t i = 0; i < frame_floats; ++i) x[i] = x[i] > 1.f ? 1.f : (x[i] < -1.f ? -1.f : x[i]);
  const auto t2 = Clock::now();

  tensor_to_image(d.noisy.view(), 0, {}, d.frame);
  // The dream joins the history as the tensor itself (no 8-bit round trip).
  std::memcpy(d.ring[d.head].as<float>(), x, frame_floats * 4);
  d.head = (d.head + 1) % d.k;
  const auto t3 = Clock::now();
  timing.pre_ms = ms(t1 - t0);
  timing.compute_ms = ms(t2 - t1);
  timing.post_ms = ms(t3 - t2);
  d.timing = timing;
  return d.frame;
}

}  // namespace edgewm
