#pragma once
// What a worker process does between fork and exec (Boost.Process's on_exec_setup), so that it
// starts clean whatever state fogbank's threads are in:
//   - its own process group, so that a timeout kills the handler's child processes too;
//   - no blocked signals (fogbank blocks SIGINT and SIGTERM in every thread and a child inherits
//     the mask) and SIGPIPE back to its default (ignored signals survive exec);
//   - every descriptor above stderr closed at exec: fogbank's listening socket, its clients'
//     connections and other workers' pipes would otherwise stay open in the child (Asio does not
//     open them close-on-exec), keeping ports bound and pipes from ever reaching end of file.
// Only async-signal-safe calls: the parent has other threads.

#include <boost/process/extend.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace fogbank::workers {

struct process_setup : boost::process::extend::handler {
  template <typename Executor>
  void on_exec_setup(Executor&) const {
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &default_action, nullptr);
    close_on_exec_above_stderr();
  }

  static void close_on_exec_above_stderr() {
    // close_range(CLOSE_RANGE_CLOEXEC) marks them all at once (Linux 5.11). Marking rather than
    // closing keeps Boost.Process's own error pipe, which reports a failed exec, working.
    constexpr unsigned close_range_cloexec = 1U << 2;
#ifdef SYS_close_range
    if (::syscall(SYS_close_range, 3U, ~0U, close_range_cloexec) == 0) return;
#endif
    rlimit limit{};
    const rlim_t highest =
        ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY ? limit.rlim_cur : 65536;
    for (int fd = 3; fd < static_cast<int>(highest); ++fd) {
      const int flags = ::fcntl(fd, F_GETFD);
      if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
  }
};

}  // namespace fogbank::workers
