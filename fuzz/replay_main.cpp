// A main() for a fuzz target without libFuzzer, so the main (g++) build and its sanitizer builds
// run every target in the test suite (ctest fuzz_replay_<name>) in seconds: each corpus file is
// fed to LLVMFuzzerTestOneInput, then a fixed number of mutations of them, drawn from a seeded
// generator, so a run is the same on every machine and a finding is replayed by its seed. What
// the mutations cannot find, coverage-guided fuzzing does: scripts/fuzz builds the same targets
// with libFuzzer (clang) for the long runs.
//
//   replay_<target> [--mutations N] [--seed S] [--dict FILE] [--artifact DIR] PATH...
//
// The input being run when the target crashes (a failed property aborts; a sanitizer report or
// an exception other than core::Error ends the process) is written to DIR/crash-<seed>-<n> first.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#include <sanitizer/common_interface_defs.h>
#define BSCBOT_REPLAY_SANITIZED 1
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

namespace {

using Bytes = std::string;

constexpr std::size_t k_max_input = 64 * 1024;

// The input on the run now, and where it goes if the process dies on it. Plain globals: the
// handlers below may only touch what is already built.
const char* g_data = nullptr;
std::size_t g_size = 0;
char g_artifact[4096] = {0};

void save_current() {
  if (g_data == nullptr || g_artifact[0] == 0) return;
  const int fd = ::open(g_artifact, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  std::size_t done = 0;
  while (done < g_size) {
    const ssize_t n = ::write(fd, g_data + done, g_size - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  g_data = nullptr;  // saved once, whichever handler came first
  static const char note[] = "replay: the input that crashed is saved in ";
  (void)!::write(STDERR_FILENO, note, sizeof note - 1);
  (void)!::write(STDERR_FILENO, g_artifact, std::strlen(g_artifact));
  (void)!::write(STDERR_FILENO, "\n", 1);
}

void on_signal(int sig) {
  save_current();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// A deterministic generator (xorshift64*): the same seed, the same mutations, everywhere.
class Rng {
public:
  explicit Rng(std::uint64_t seed) : m_state(seed ? seed : 0x9e3779b97f4a7c15ull) {}
  std::uint64_t next() {
    m_state ^= m_state >> 12;
    m_state ^= m_state << 25;
    m_state ^= m_state >> 27;
    return m_state * 0x2545f4914f6cdd1dull;
  }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }

private:
  std::uint64_t m_state;
};

// libFuzzer's dictionary format: one "token" per line, optionally name="token", with \\, \" and
// \xNN escapes; # starts a comment.
std::vector<Bytes> read_dictionary(const fs::path& path) {
  std::vector<Bytes> out;
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read the dictionary %s\n", path.c_str());
    std::exit(2);
  }
  std::string line;
  while (std::getline(in, line)) {
    const auto open = line.find('"');
    const auto close = line.rfind('"');
    if (line.empty() || line[line.find_first_not_of(" \t")] == '#' || open == std::string::npos || close <= open) continue;
    Bytes token;
    for (std::size_t i = open + 1; i < close; ++i) {
      if (line[i] == '\\' && i + 1 < close) {
        const char c = line[++i];
        if (c == 'x' && i + 2 < close) {
          token.push_back(static_cast<char>(std::stoi(line.substr(i + 1, 2), nullptr, 16)));
          i += 2;
        } else {
          token.push_back(c);
        }
      } else {
        token.push_back(line[i]);
      }
    }
    if (!token.empty()) out.push_back(std::move(token));
  }
  return out;
}

void add_inputs(const fs::path& path, std::vector<Bytes>& corpus) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(path)) {
      if (e.is_regular_file()) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());  // the order, and so the mutations, never depend on the file system
    for (const auto& f : files) add_inputs(f, corpus);
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
    std::exit(2);
  }
  corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// One to four edits of `input`, as a mutating fuzzer makes them.
Bytes mutate(Bytes input, const std::vector<Bytes>& corpus, const std::vector<Bytes>& dict, Rng& rng) {
  const int edits = 1 + static_cast<int>(rng.below(4));
  for (int e = 0; e < edits; ++e) {
    const std::size_t at = rng.below(input.size() + 1);
    switch (rng.below(8)) {
      case 0:  // flip a bit
        if (!input.empty()) input[rng.below(input.size())] ^= static_cast<char>(1u << rng.below(8));
        break;
      case 1:  // an interesting byte
        if (!input.empty()) {
          static const char bytes[] = {'\0', '\xff', '\x7f', '\x80', '"', '\\', '%', '\n', '\r', ' ', '{', '[', '0', '9'};
          input[rng.below(input.size())] = bytes[rng.below(sizeof bytes)];
        }
        break;
      case 2:  // insert random bytes
        input.insert(at, Bytes(1 + rng.below(8), static_cast<char>(rng.next())));
        break;
      case 3:  // delete a range
        if (!input.empty()) input.erase(rng.below(input.size()), 1 + rng.below(16));
        break;
      case 4:  // repeat a range (long fields, deep nesting)
        if (!input.empty()) {
          const std::size_t from = rng.below(input.size());
          const Bytes piece = input.substr(from, 1 + rng.below(32));
          for (std::size_t n = 1 + rng.below(64); n > 0 && input.size() < k_max_input; --n) input.insert(at > input.size() ? input.size() : at, piece);
        }
        break;
      case 5:  // a dictionary token
        if (!dict.empty()) input.insert(at, dict[rng.below(dict.size())]);
        break;
      case 6: {  // splice with another input
        const Bytes& other = corpus[rng.below(corpus.size())];
        input = input.substr(0, at) + other.substr(rng.below(other.size() + 1));
        break;
      }
      default:  // truncate
        input.resize(at);
        break;
    }
  }
  if (input.size() > k_max_input) input.resize(k_max_input);
  return input;
}

void run_one(const Bytes& input) {
  g_data = input.data();
  g_size = input.size();
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  g_data = nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  long mutations = 0;
  std::uint64_t seed = 1;
  fs::path artifact_dir = fs::current_path();
  std::vector<Bytes> dict;
  std::vector<Bytes> corpus;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--mutations" && has_value) {
      mutations = std::strtol(argv[++i], nullptr, 10);
    } else if (a == "--seed" && has_value) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--dict" && has_value) {
      dict = read_dictionary(argv[++i]);
    } else if (a == "--artifact" && has_value) {
      artifact_dir = argv[++i];
    } else if (a.rfind("--", 0) == 0) {
      std::fprintf(stderr, "replay: unknown option %s; usage: %s [--mutations N] [--seed S] [--dict FILE] [--artifact DIR] PATH...\n",
                   a.c_str(), argv[0]);
      return 2;
    } else {
      add_inputs(a, corpus);
    }
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "replay: no inputs: name corpus files or folders\n");
    return 2;
  }

  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) ::signal(sig, on_signal);
  std::set_terminate([] {
    // Say what escaped the target, as libFuzzer's "uncaught exception" report would.
    if (const auto e = std::current_exception()) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::fprintf(stderr, "replay: uncaught exception: %s\n", ex.what());
      } catch (...) {
        std::fprintf(stderr, "replay: uncaught exception of an unknown type\n");
      }
    }
    save_current();
    std::abort();
  });
#ifdef BSCBOT_REPLAY_SANITIZED
  __sanitizer_set_death_callback(save_current);
#endif

  std::size_t n = 0;
  const auto name_artifact = [&](const char* kind) {
    std::snprintf(g_artifact, sizeof g_artifact, "%s/crash-%s-%llu-%zu", artifact_dir.c_str(), kind,
                  static_cast<unsigned long long>(seed), n);
  };
  for (const Bytes& input : corpus) {
    name_artifact("seed");
    run_one(input);
    ++n;
  }
  Rng rng(seed);
  for (long m = 0; m < mutations; ++m, ++n) {
    const Bytes input = mutate(corpus[rng.below(corpus.size())], corpus, dict, rng);
    name_artifact("mutation");
    run_one(input);
  }
  std::printf("replay: %zu corpus inputs and %ld mutations (seed %llu): no finding\n", corpus.size(), mutations,
              static_cast<unsigned long long>(seed));
  return 0;
}
