// `edgewm play`: fly the drone inside the world model's dream from the keyboard. Frames are
// drawn in the terminal with ANSI half-block characters (two pixels per cell, 24-bit colour).
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "cli.h"
#include "edgewm/world.h"
#include "world/envs/env.h"
#include "world/policy.h"
#include "text_out.h"

namespace edgewm::cli {

namespace {

// Raw keys for the lifetime of the object; the terminal is restored however we leave.
class RawTerminal {
 public:
  RawTerminal() {
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    active_ = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    std::printf("\x1b[?25l\x1b[2J");  // hide the cursor, clear
  }
  ~RawTerminal() {
    if (!active_) return;
    tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
    std::printf("\x1b[0m\x1b[?25h\n");
  }
  bool interactive() const { return active_; }

 private:
  termios saved_{};
  bool active_ = false;
};

// Drone actions from keys: w/up = up, s/down = down, a/left = slow, d/right = fast.
int action_for(const std::string& key) {
  if (key == "w" || key == "k" || key == "\x1b[A") return 1;
  if (key == "s" || key == "j" || key == "\x1b[B") return 2;
  if (key == "a" || key == "h" || key == "\x1b[D") return 3;
  if (key == "d" || key == "l" || key == "\x1b[C") return 4;
  return 0;
}

// Keys one at a time: a terminal may deliver several in one read (fast typing, a paste), and
// arrows arrive as ESC [ A..D. Waits up to timeout_ms on a terminal; a pipe gives one byte
// per frame until it ends.
class KeyReader {
 public:
  explicit KeyReader(bool interactive) : interactive_(interactive) {}
  std::string next(int timeout_ms, bool& eof) {
    if (pending_.empty()) fill(timeout_ms, eof);
    if (pending_.empty()) return {};
    size_t n = 1;
    if (pending_[0] == '\x1b' && pending_.size() >= 3 && pending_[1] == '[') n = 3;
    std::string key = pending_.substr(0, n);
    pending_.erase(0, n);
    return key;
  }

 private:
  void fill(int timeout_ms, bool& eof) {
    char buf[64];
    if (interactive_) {
      pollfd p{STDIN_FILENO, POLLIN, 0};
      if (poll(&p, 1, timeout_ms) <= 0) return;
      const ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
      if (n > 0) pending_.append(buf, static_cast<size_t>(n));
      return;
    }
    const ssize_t n = read(STDIN_FILENO, buf, 1);
    if (n <= 0) {
      eof = true;
      return;
    }
    pending_.append(buf, 1);
    // An arrow arrives as ESC [ X: take the whole sequence, so a piped arrow is not a lone ESC
    // (quit).
    for (int more = 0; more < 2 && pending_.back() == (more == 0 ? '\x1b' : '[') && read(STDIN_FILENO, buf, 1) == 1; ++more)
      pending_.append(buf, 1);
  }
  bool interactive_;
  std::string pending_;
};

void draw(const Image& f, int scale, std::string& out) {
  out.clear();
  char cell[64];
  for (int y = 0; y + 1 < f.height * scale; y += 2) {
    for (int x = 0; x < f.width * scale; ++x) {
      const uint8_t* top = f.row(y / scale) + (x / scale) * f.channels;
      const uint8_t* bottom = f.row((y + 1) / scale) + (x / scale) * f.channels;
      std::snprintf(cell, sizeof cell, "\x1b[38;2;%d;%d;%dm\x1b[48;2;%d;%d;%dm\xe2\x96\x80", top[0], top[1], top[2],
                    bottom[0], bottom[1], bottom[2]);
      out += cell;
    }
    out += "\x1b[0m\n";
  }
}

}  // namespace

void add_play_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "play", "Fly the drone inside the world model's dream from the keyboard (w/s or arrows: up/down, a/d: "
              "slow/fast, r: restart from the simulator, q: quit); piped keys play one per frame");
  struct Args {
    std::string model;
    int fps = 10, scale = 2, frames = 0;
    uint64_t seed = 7;
    WorldModelOptions wm;
    CompileFlags compile;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("model", a->model, "World model (.ewm, or .onnx with its model.json)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--fps", a->fps, "Frames per second to aim for")->capture_default_str()->check(CLI::Range(1, 120));
  cmd->add_option("--scale", a->scale, "Terminal cells per pixel (width)")->capture_default_str()->check(CLI::Range(1, 8));
  cmd->add_option("--frames", a->frames, "Stop after this many frames (0: until q)")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of the starting scene")->capture_default_str()->check(kNonNegativeInteger);
  add_world_model_flags(*cmd, a->wm);
  a->compile.add_to(*cmd);
  cmd->callback([a] {
    WorldModel wm(open_model(a->model, a->compile), a->wm);
    auto env = world::make_env("drone", wm.frame_width(), wm.frame_height());
    auto restart = [&](uint64_t seed) {
      env->reset(seed);
      world::Policy pilot("scripted", seed);
      std::vector<Image> history(static_cast<size_t>(wm.context_frames()));
      for (auto& f : history) {
        env->render(f);
        env->step(pilot.act(*env));
      }
      wm.reset(history);
    };
    uint64_t seed = a->seed;
    restart(seed);
    RawTerminal term;
    std::string screen;
    bool eof = false;
    KeyReader keys(term.interactive());
    const int period_ms = 1000 / a->fps;
    for (int frame = 0; a->frames == 0 || frame < a->frames; ++frame) {
      const auto t0 = std::chrono::steady_clock::now();
      const std::string key = keys.next(period_ms, eof);
      if (eof || key == "q" || key == "\x1b") break;
      if (key == "r") {
        restart(++seed);
        continue;
      }
      const int action = action_for(key);
      const Image& f = wm.step(action);
      draw(f, a->scale, screen);
      const StepTiming& t = wm.last_timing();
      std::printf("%s%s%-6s frame %5d  %6.1f ms (compute %.1f, %d denoiser calls)   \n", term.interactive() ? "\x1b[H" : "",
                  screen.c_str(), printable(wm.action_names()[action]).c_str(), frame, t.total_ms(), t.compute_ms, t.nfe);
      std::fflush(stdout);
      if (term.interactive()) {  // hold the frame rate when the model is faster than it
        const auto spent = std::chrono::steady_clock::now() - t0;
        const auto left = std::chrono::milliseconds(period_ms) - spent;
        if (left.count() > 0) usleep(static_cast<useconds_t>(std::chrono::duration_cast<std::chrono::microseconds>(left).count()));
      }
    }
  });
}

}  // namespace edgewm::cli
