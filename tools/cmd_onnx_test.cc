// `edgewm onnx-test`: runs folders in the ONNX backend-test layout (model.onnx +
// test_data_set_N/{input,output}_K.pb) through the whole toolchain: import, compile,
// serialise to .ewm, load, run, compare. Each case runs in a child process so a crash or
// hang is reported as that case's FAIL instead of ending the run.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "cli.h"
#include "compiler/compile.h"
#include "core/regular_file.h"
#include "edgewm/session.h"
#include "io/compare.h"
#include "onnx/tensor_proto.h"
#include "text_out.h"

namespace fs = std::filesystem;

namespace edgewm::cli {

namespace {

enum class Status : char { kPass = 'P', kFail = 'F', kSkip = 'S' };

struct CaseResult {
  Status status = Status::kFail;
  std::string message;
};

struct TestOptions {
  Tolerance tol;
  int threads = 1;
  double timeout_s = 120;
  int jobs = 1;
  bool isolate = true;
};

std::vector<fs::path> sorted_matching(const fs::path& dir, const std::string& prefix, bool dirs) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && e.is_directory() == dirs) out.push_back(e.path());
  }
  // Numeric order: input_10 after input_9.
  std::sort(out.begin(), out.end(), [&](const fs::path& a, const fs::path& b) {
    auto num = [&](const fs::path& p) {
      std::string s = p.stem().string().substr(prefix.size());
      return s.empty() || !std::isdigit(static_cast<unsigned char>(s[0])) ? -1L : std::stol(s);
    };
    return num(a) < num(b);
  });
  return out;
}

// Optional per-case override: a `tolerance.txt` with lines `rtol=`, `atol=`, `rel_l2=` (compare
// float outputs by relative L2 instead) and `fp32_margin=` (quantised fixtures: each data set's
// fp32_output_K.pb holds the FP32 model's output, and edgewm's output may be no further from
// it, in relative L2, than the recorded output is, times 1 + margin).
struct CaseTolerance {
  Tolerance tol;
  double fp32_margin = -1;  // < 0: no FP32 check
};

CaseTolerance case_tolerance(const fs::path& dir, Tolerance tol) {
  CaseTolerance t{tol};
  const fs::path file = dir / "tolerance.txt";
  std::error_code ec;
  if (!fs::exists(file, ec)) return t;
  const std::vector<uint8_t> bytes = read_regular_file(file.string(), "tolerance file");
  std::istringstream in(std::string(bytes.begin(), bytes.end()));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const size_t eq = line.find('=');
    const std::string key = line.substr(0, eq);
    double* field = key == "rtol" ? &t.tol.rtol : key == "atol" ? &t.tol.atol : key == "rel_l2" ? &t.tol.rel_l2
                  : key == "fp32_margin" ? &t.fp32_margin : nullptr;
    char* end = nullptr;
    const std::string value = eq == std::string::npos ? "" : line.substr(eq + 1);
    const double v = field ? std::strtod(value.c_str(), &end) : 0;
    if (!field || value.empty() || *end != '\0' || !std::isfinite(v) || v < 0)
      throw Error(ErrorKind::kInvalidArgument, file.string() + ": line '" + printable(line) +
                                                   "' is not rtol=, atol=, rel_l2= or fp32_margin= with a number >= 0");
    *field = v;
  }
  return t;
}

CaseResult run_data_set(const fs::path& model_path, const fs::path& data_dir, const TestOptions& opt) {
  std::vector<std::string> input_names = onnx_input_names(model_path.string());
  std::vector<Tensor> inputs;
  std::vector<std::string> pb_names;
  for (const auto& p : sorted_matching(data_dir, "input_", false)) {
    std::string name;
    inputs.push_back(load_tensor_pb(p.string(), &name));
    pb_names.push_back(name);
  }
  if (inputs.size() > input_names.size())
    return {Status::kFail, "data set has " + std::to_string(inputs.size()) + " inputs, model takes " +
                               std::to_string(input_names.size())};
  // Match by name when the files carry the model's names, else by position.
  std::vector<Tensor*> by_input(input_names.size(), nullptr);
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto it = std::find(input_names.begin(), input_names.end(), pb_names[i]);
    size_t idx = it != input_names.end() ? static_cast<size_t>(it - input_names.begin()) : i;
    by_input[idx] = &inputs[i];
  }
  CompileOptions co;
  for (size_t i = 0; i < input_names.size(); ++i) {
    if (!by_input[i]) return {Status::kFail, "no data for input '" + input_names[i] + "'"};
    co.import.input_shapes[input_names[i]] = by_input[i]->shape();
  }
  // Static shapes: inputs that decide shapes (Reshape's shape, Expand's size...) are frozen to
  // the case's values, as a user would with --input-value.
  std::optional<CompiledModel> compiled;
  for (size_t attempt = 0; attempt <= input_names.size() && !compiled; ++attempt) {
    try {
      compiled = compile_onnx_file(model_path.string(), co);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kNeedsConstant) throw;
      auto it = std::find(input_names.begin(), input_names.end(), e.subject());
      std::vector<size_t> freeze;
      if (it != input_names.end()) {
        freeze.push_back(static_cast<size_t>(it - input_names.begin()));
      } else {
        // A shape computed from inputs: freeze every integer input (the shape-like ones).
        for (size_t i = 0; i < input_names.size(); ++i)
          if (!dtype_is_float(by_input[i]->dtype())) freeze.push_back(i);
      }
      bool progress = false;
      for (size_t idx : freeze) {
        if (co.import.input_values.count(input_names[idx])) continue;
        co.import.input_values[input_names[idx]] = Tensor::copy_of(by_input[idx]->view());
        co.import.input_shapes.erase(input_names[idx]);
        progress = true;
      }
      // What is left depends on run-time data: a dynamic shape, which static planning excludes.
      if (!progress) throw Error(ErrorKind::kUnsupported, std::string("data-dependent shape: ") + e.what());
    }
  }
  auto model = Model::from_bytes(compiled->serialize(), {}, model_path.string());
  Session session(model, SessionOptions{opt.threads, /*check_inputs=*/false});
  std::vector<TensorView> views;
  for (const auto& t : model->inputs()) {
    auto it = std::find(input_names.begin(), input_names.end(), t.name);
    views.push_back(by_input[static_cast<size_t>(it - input_names.begin())]->view());
  }
  auto outs = session.run(views);
  auto expected = sorted_matching(data_dir, "output_", false);
  if (expected.size() != outs.size())
    return {Status::kFail, "model has " + std::to_string(outs.size()) + " outputs, data set " +
                               std::to_string(expected.size())};
  const CaseTolerance tol = case_tolerance(model_path.parent_path(), opt.tol);
  for (size_t i = 0; i < outs.size(); ++i) {
    Tensor want = load_tensor_pb(expected[i].string());
    const std::string what = data_dir.filename().string() + " output " + std::to_string(i) + " '" + model->outputs()[i].name + "': ";
    Comparison c = compare_tensors(outs[i], want.view(), tol.tol);
    if (!c.ok) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "; max abs err %.3g, max rel err %.3g", c.max_abs_error, c.max_rel_error);
      return {Status::kFail, what + c.reason + buf};
    }
    if (tol.fp32_margin >= 0) {
      const fs::path fp32_file = data_dir / ("fp32_" + expected[i].filename().string());
      Tensor fp32 = load_tensor_pb(fp32_file.string());
      const double ours = relative_l2(outs[i], fp32.view()), theirs = relative_l2(want.view(), fp32.view());
      if (!(ours <= theirs * (1 + tol.fp32_margin))) {
        char buf[200];
        std::snprintf(buf, sizeof buf, "relative L2 to the FP32 output %.4g, the recorded output's %.4g (+%.0f%% allowed)",
                      ours, theirs, 100 * tol.fp32_margin);
        return {Status::kFail, what + buf};
      }
    }
  }
  return {Status::kPass, ""};
}

CaseResult run_case(const fs::path& dir, const TestOptions& opt) {
  try {
    auto sets = sorted_matching(dir, "test_data_set_", true);
    if (sets.empty()) return {Status::kSkip, "no test_data_set_* folder"};
    for (const auto& set : sets) {
      CaseResult r = run_data_set(dir / "model.onnx", set, opt);
      if (r.status != Status::kPass) return r;
    }
    return {Status::kPass, ""};
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kUnsupported) return {Status::kSkip, e.what()};
    return {Status::kFail, std::string(error_kind_name(e.kind())) + ": " + e.what()};
  } catch (const std::exception& e) {
    return {Status::kFail, std::string("exception: ") + e.what()};
  }
}

std::string encode(const CaseResult& r) { return std::string(1, static_cast<char>(r.status)) + r.message; }

// A running child and the pipe its result comes back on.
struct Child {
  size_t index = 0;
  pid_t pid = -1;
  int fd = -1;
  std::string out;
  std::chrono::steady_clock::time_point start;
};

Child spawn(size_t index, const fs::path& dir, const TestOptions& opt) {
  int fds[2];
  if (pipe(fds) != 0) throw Error(ErrorKind::kIo, "pipe failed");
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) throw Error(ErrorKind::kIo, "fork failed");
  if (pid == 0) {
    close(fds[0]);
    std::string msg = encode(run_case(dir, opt));
    size_t off = 0;
    while (off < msg.size()) {
      ssize_t w = write(fds[1], msg.data() + off, msg.size() - off);
      if (w <= 0) break;
      off += static_cast<size_t>(w);
    }
    _exit(0);
  }
  close(fds[1]);
  return Child{index, pid, fds[0], "", std::chrono::steady_clock::now()};
}

CaseResult finish(Child& c, bool timed_out) {
  if (timed_out) kill(c.pid, SIGKILL);
  int status = 0;
  waitpid(c.pid, &status, 0);
  close(c.fd);
  if (timed_out) return {Status::kFail, "timed out"};
  if (WIFSIGNALED(status))
    return {Status::kFail, std::string("crashed: ") + strsignal(WTERMSIG(status))};
  if (c.out.empty()) return {Status::kFail, "child exited without a result"};
  return {static_cast<Status>(c.out[0]), c.out.substr(1)};
}

std::vector<CaseResult> run_isolated(const std::vector<fs::path>& cases, const TestOptions& opt,
                                     const std::function<void(size_t, const CaseResult&)>& report) {
  std::vector<CaseResult> results(cases.size());
  std::vector<bool> done(cases.size(), false);
  size_t next = 0, printed = 0;
  std::vector<Child> running;
  while (printed < cases.size()) {
    while (next < cases.size() && static_cast<int>(running.size()) < std::max(1, opt.jobs))
      running.push_back(spawn(next, cases[next], opt)), ++next;
    std::vector<pollfd> fds;
    for (const auto& c : running) fds.push_back({c.fd, POLLIN, 0});
    poll(fds.data(), fds.size(), 200);
    for (size_t i = 0; i < running.size();) {
      Child& c = running[i];
      bool finished = false, timed_out = false;
      if (fds.size() > i && (fds[i].revents & (POLLIN | POLLHUP))) {
        char buf[4096];
        ssize_t n = read(c.fd, buf, sizeof buf);
        if (n > 0) c.out.append(buf, static_cast<size_t>(n));
        else finished = true;
      }
      double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - c.start).count();
      if (!finished && elapsed > opt.timeout_s) finished = timed_out = true;
      if (finished) {
        results[c.index] = finish(c, timed_out);
        done[c.index] = true;
        running.erase(running.begin() + static_cast<long>(i));
        fds.erase(fds.begin() + static_cast<long>(std::min(i, fds.size())));
      } else {
        ++i;
      }
    }
    while (printed < cases.size() && done[printed]) report(printed, results[printed]), ++printed;
  }
  return results;
}

void collect_cases(const fs::path& p, int depth, std::vector<fs::path>& out) {
  if (fs::exists(p / "model.onnx")) {
    out.push_back(p);
    return;
  }
  if (depth == 0 || !fs::is_directory(p)) return;
  std::vector<fs::path> subdirs;
  for (const auto& e : fs::directory_iterator(p))
    if (e.is_directory()) subdirs.push_back(e.path());
  std::sort(subdirs.begin(), subdirs.end());
  for (const auto& d : subdirs) collect_cases(d, depth - 1, out);
}

}  // namespace

void add_onnx_test_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "onnx-test",
      "Run ONNX backend-test folders (model.onnx + test_data_set_N/{input,output}_K.pb) through compile, "
      ".ewm round trip and run; print PASS/FAIL/SKIP per case and 'N passed, N failed, N skipped'. "
      "Exits non-zero if any case fails.");
  struct Args {
    std::vector<std::string> dirs;
    TestOptions opt;
    bool no_isolate = false, quiet = false, strict = false;
    int min_pass = 0;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("dirs", args->dirs, "Case folders, or folders containing case folders")->required();
  cmd->add_option("--rtol", args->opt.tol.rtol, "Relative tolerance (default 1e-3; a case's tolerance.txt wins)")
      ->check(kFiniteNonNegative);
  cmd->add_option("--atol", args->opt.tol.atol, "Absolute tolerance (default 1e-4)")->check(kFiniteNonNegative);
  cmd->add_option("-t,--threads", args->opt.threads, "Threads per case (default 1)");
  cmd->add_option("-j,--jobs", args->opt.jobs, "Cases run at once (default 1)");
  cmd->add_option("--timeout", args->opt.timeout_s, "Seconds before a case counts as hung (default 120)")
      ->check(kFiniteNonNegative);
  cmd->add_flag("--no-isolate", args->no_isolate, "Run cases in this process (a crash ends the run)");
  cmd->add_option("--min-pass", args->min_pass, "Also fail when fewer cases pass (guards against silent SKIPs)");
  cmd->add_flag("--strict", args->strict, "Count SKIP as failure (for models that must run in full)");
  cmd->add_flag("-q,--quiet", args->quiet, "Print only FAIL lines and the summary");
  cmd->callback([args] {
    std::vector<fs::path> cases;
    std::vector<std::string> names;  // as the user named the folder, plus the path below it
    for (const auto& d : args->dirs) {
      if (!fs::exists(d)) throw Error(ErrorKind::kIo, "no such folder: " + d);
      size_t before = cases.size();
      collect_cases(fs::path(d), 3, cases);
      if (cases.size() == before) throw Error(ErrorKind::kInvalidArgument, d + " contains no model.onnx test case");
      for (size_t i = before; i < cases.size(); ++i) {
        fs::path rel = fs::relative(cases[i], fs::path(d));
        names.push_back(rel == "." ? d : (fs::path(d) / rel).string());
      }
    }
    int passed = 0, failed = 0, skipped = 0;
    auto report = [&](size_t i, const CaseResult& r) {
      const std::string& name = names[i];
      if (r.status == Status::kPass) ++passed;
      if (r.status == Status::kFail) ++failed;
      if (r.status == Status::kSkip) ++skipped;
      if (args->quiet && r.status != Status::kFail) return;
      const char* tag = r.status == Status::kPass ? "PASS" : r.status == Status::kFail ? "FAIL" : "SKIP";
      std::printf("%s %s%s%s\n", tag, name.c_str(), r.message.empty() ? "" : ": ", r.message.c_str());
      std::fflush(stdout);
    };
    if (args->no_isolate) {
      for (size_t i = 0; i < cases.size(); ++i) report(i, run_case(cases[i], args->opt));
    } else {
      run_isolated(cases, args->opt, report);
    }
    std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    if (passed < args->min_pass)
      std::printf("only %d cases passed, fewer than --min-pass %d\n", passed, args->min_pass);
    if (failed || passed < args->min_pass || (args->strict && skipped)) throw CLI::RuntimeError(1);
  });
}

}  // namespace edgewm::cli
