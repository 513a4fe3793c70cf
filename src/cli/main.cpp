// The cohort program: argument parsing (the only CLI11 translation unit) and dispatch.
#include "commands.hpp"

#include <cohort/core/error.hpp>
#include <cohort/core/version.hpp>
#include <cohort/mapreduce/job.hpp>
#include <cohort/mapreduce/plugin.hpp>
#include <cohort/observe/log.hpp>
#include <cohort/plugin/loader.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>
#include <string_view>

namespace cohort::cli {
namespace {

const std::vector<std::string> kLogLevels = {"trace", "debug", "info", "warn", "error", "critical", "off"};

std::string version_text() {
  return std::string("cohort ") + core::version() + " (plugin ABI " + std::to_string(COHORT_PLUGIN_ABI_VERSION) +
         "; " + std::string(plugin::build_fingerprint()) + ")";
}

void add_common(CLI::App& app, CommonOptions& c) {
  app.add_option("--plugin-path", c.plugin_path,
                 "Directory to search for job plugins first (repeatable); then COHORT_PLUGIN_PATH, then the install dir")
      ->type_name("DIR");
  app.add_option("--log-level", c.log_level, "Log level (default: COHORT_LOG_LEVEL, else warn)")
      ->check(CLI::IsMember(kLogLevels));
}

void apply_common(const CommonOptions& c) {
  if (auto level = observe::parse_level(c.log_level)) observe::set_log_level(*level);
  // The runtime's loggers read COHORT_LOG_LEVEL when they are first used.
  if (!c.log_level.empty()) ::setenv("COHORT_LOG_LEVEL", c.log_level.c_str(), 1);
}

}  // namespace

// This process's rank as the launcher announced it (before MPI is up), so
// that under mpirun a usage error is printed once, by rank 0, not N times.
int launcher_rank() {
  for (const char* var : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"}) {
    if (const char* v = std::getenv(var); v != nullptr && *v != '\0') return std::atoi(v);
  }
  if (std::getenv("SLURM_STEP_ID") != nullptr) {
    if (const char* v = std::getenv("SLURM_PROCID"); v != nullptr) return std::atoi(v);
  }
  return 0;
}

namespace {

// Parses with CLI11; help and --version print and return 0, errors print and return kUsage.
template <class Parse>
std::optional<int> parse_or_exit(CLI::App& app, Parse&& parse) {
  try {
    parse();
  } catch (const CLI::ParseError& e) {
    std::ostringstream sink;
    const bool quiet = launcher_rank() != 0;
    const int code = quiet ? app.exit(e, sink, sink) : app.exit(e);
    return code == 0 ? status::kOk : status::kUsage;
  }
  return std::nullopt;
}

// `--plugin-path DIR` / `--plugin-path=DIR` from the raw arguments, before the
// job (and so the full parser) is known.
std::vector<std::filesystem::path> prescan_plugin_path(const std::vector<std::string>& args) {
  std::vector<std::filesystem::path> dirs;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--plugin-path" && i + 1 < args.size()) dirs.emplace_back(args[++i]);
    else if (args[i].starts_with("--plugin-path=")) dirs.emplace_back(args[i].substr(14));
  }
  return dirs;
}

int run_usage(std::ostream& out, const std::vector<std::string>& args) {
  out << "Usage: cohort run JOB [job options] [--input PATH...] --output FILE [--threads N]\n"
         "                  [--plugin-path DIR] [--log-level LEVEL] [--quiet] [--progress MODE]\n"
         "                  [--trace FILE.json] [--report FILE.html] [--stats FILE.json]\n\n"
         "Runs JOB (a plugin libcohort_job_JOB.so) on every rank: alone, or under mpirun/srun.\n"
         "`cohort run JOB --help` shows the options of JOB.\n\nJobs found:\n";
  const plugin::PluginPath path(prescan_plugin_path(args));
  for (const auto& f : path.list()) out << "  " << f.job << "  (" << f.file.string() << ")\n";
  return status::kOk;
}

int run_main(int argc, char** argv) {  // argv[0] == "run"
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    run_usage(std::cerr, args);
    std::cerr << "\ncohort run: a job name is required\n";
    return status::kUsage;
  }
  if (args[0] == "-h" || args[0] == "--help") return run_usage(std::cout, args);
  if (args[0].starts_with("-")) {
    std::cerr << "cohort run: expected a job name first, got '" << args[0]
              << "' (usage: cohort run JOB [options]; cohort run --help)\n";
    return status::kUsage;
  }

  RunOptions o;
  o.job = args[0];
  const auto job = mapreduce::load_job(o.job, plugin::PluginPath(prescan_plugin_path(args)));
  const auto& d = job.plugin().descriptor();

  CLI::App app(std::string(d.summary ? d.summary : "") + "\n(plugin " + job.plugin().path().string() + ")",
               "cohort run " + o.job);
  app.get_formatter()->column_width(34);
  if (job->input_kind() == mapreduce::InputKind::files) {
    app.add_option("--input", o.inputs, "Input files and directories (directories are read recursively)")
        ->required()
        ->type_name("PATH");
  }
  app.add_option("--output", o.output, "Output file (written whole or not at all)")->required()->type_name("FILE");
  app.add_option("--threads", o.threads, "Pool threads per rank (default: CPUs of the affinity mask, ...)")
      ->check(CLI::Range(1, 4096))
      ->type_name("N");
  app.add_flag("--quiet,-q", o.quiet, "No progress and no summary at the end (warnings and errors still show)");
  app.add_option("--progress", o.observe.progress,
                 "Progress on rank 0: auto (a live bar on a terminal, else a line every 10 s), bar, lines, off")
      ->check(CLI::IsMember({"auto", "bar", "lines", "off"}))
      ->type_name("MODE");
  app.add_option("--trace", o.observe.trace, "Write a Chrome trace of the run (open it in Perfetto or chrome://tracing)")
      ->type_name("FILE.json");
  app.add_option("--report", o.observe.report, "Write a self-contained HTML report of the run")->type_name("FILE.html");
  app.add_option("--stats", o.observe.stats, "Write the run's figures (the end summary) as JSON")->type_name("FILE.json");
  app.add_option("--journal", o.journal.journal,
                 "Record finished tasks here; a rerun with the same file does only the rest (default in a Slurm "
                 "job: OUTPUT.cohort-journal, unless --shuffle mpi)")
      ->type_name("FILE");
  app.add_option("--drain-timeout", o.journal.drain_timeout,
                 "On SIGUSR1/SIGTERM: wait this long for running tasks, then exit 75 to be resumed")
      ->check(CLI::Range(0.0, 86400.0))
      ->type_name("SECONDS")
      ->default_str("30");
  app.add_option("--split-size", o.journal.split_size, "Advanced: bytes of input per map task (e.g. 64K, 8M)")
      ->transform(CLI::AsSizeValue(false))
      ->type_name("BYTES");
  app.add_option("--shuffle", o.journal.shuffle, kShuffleHelp)
      ->check(CLI::IsMember({"auto", "gather", "files", "mpi"}))
      ->type_name("MODE")
      ->default_str("auto");
  app.add_option("--scratch-dir", o.journal.scratch_dir,
                 "Where the files shuffle writes (a directory every rank sees; default: beside the output)")
      ->type_name("DIR");
  add_common(app, o.common);

  const auto specs = job->options();
  std::vector<std::pair<CLI::Option*, std::string>> job_opts;
  std::vector<std::unique_ptr<std::string>> texts;
  std::vector<std::unique_ptr<bool>> flags;
  const std::string group = "Options of job " + o.job;
  for (const auto& s : specs) {
    CLI::Option* opt = nullptr;
    if (s.type == mapreduce::OptionType::flag) {
      flags.push_back(std::make_unique<bool>(false));
      opt = app.add_flag("--" + s.name, *flags.back(), s.help);
    } else {
      texts.push_back(std::make_unique<std::string>());
      opt = app.add_option("--" + s.name, *texts.back(), s.help)->type_name(std::string(mapreduce::to_string(s.type)));
      if (!s.default_value.empty()) opt->default_str(s.default_value);
    }
    opt->group(group);
    job_opts.emplace_back(opt, s.name);
  }

  std::vector<std::string> rest(args.begin() + 1, args.end());
  std::reverse(rest.begin(), rest.end());  // CLI11 takes a reversed vector
  if (auto code = parse_or_exit(app, [&] { app.parse(rest); })) return *code;
  apply_common(o.common);
  o.observe.quiet = o.quiet;

  std::size_t t = 0, f = 0;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const bool is_flag = specs[i].type == mapreduce::OptionType::flag;
    const std::string value = is_flag ? (*flags[f++] ? "true" : "false") : *texts[t++];
    if (job_opts[i].first->count() > 0) o.job_options[specs[i].name] = value;
  }
  return run_job(o);
}

int main_impl(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "run") return run_main(argc - 1, argv + 1);

  CLI::App app("Cohort: many small tasks, and MapReduce jobs built from them, across MPI ranks.\n"
               "Run alone or under mpirun/srun; `cohort COMMAND --help` for each command.",
               "cohort");
  app.set_version_flag("--version", version_text());
  app.require_subcommand(1);

  CommonOptions common;
  app.add_subcommand("run", "Run a job: cohort run JOB [job options] --input PATH... --output FILE "
                            "(`cohort run JOB --help` lists the job's options)");
  auto* list = app.add_subcommand("list", "List the job plugins found, with their files");
  add_common(*list, common);

  std::string target;
  auto* info = app.add_subcommand("info", "Show a plugin's descriptor (ABI, build fingerprint) and its options");
  info->add_option("JOB_OR_PLUGIN", target, "A job name, or the path of a plugin file")->required();
  add_common(*info, common);

  std::size_t threads = 0;
  auto* doc = app.add_subcommand("doctor", "What this process sees: MPI world, launcher, CPUs, threads, plugins "
                                           "(run it the way you run your job, e.g. under srun)");
  doc->add_option("--threads", threads, "Show what --threads N would give")->check(CLI::Range(1, 4096));
  add_common(*doc, common);

  if (auto code = parse_or_exit(app, [&] { app.parse(argc, argv); })) return *code;
  apply_common(common);

  if (list->parsed()) return list_jobs(common);
  if (info->parsed()) return show_info(common, target);
  if (doc->parsed()) return doctor(common, threads);
  return status::kUsage;
}

}  // namespace
}  // namespace cohort::cli

int main(int argc, char** argv) {
  try {
    return cohort::cli::main_impl(argc, argv);
  } catch (const std::exception& e) {
    // Errors that reach here come before or around the runtime and are the same
    // on every rank: rank 0 says it, the others only exit with the status.
    if (cohort::cli::launcher_rank() != 0) return cohort::cli::report_error(e, /*print=*/false);
    return cohort::cli::report_error(e);
  }
}
