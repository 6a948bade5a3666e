"""Runs AWS CLI commands, each in a process of its own, forked from one that has already imported
the CLI (the e2e harness's run_aws_cli starts it; see there for why).

/usr/bin/aws is a few lines around one entry point, awscli.clidriver.AWSCLIEntryPoint().main:
argument parsing, parameter validation, serialization, signing, the HTTP exchange, errors and
output are all behind it. A new `aws` process spends ~0.8 CPU-s importing them before it sends a
byte. This process imports them once, under Debian's /usr/bin/python3 as the script does, and then
for each request forks a child that does what the script does: sets the environment, runs the
entry point with the arguments and exits with its code, writing to the files it was given as
stdout and stderr. A child that outlives its timeout is killed (exit code -9).

Protocol, one JSON object per line: in {"argv": [...], "env": {...}, "stdout": PATH, "stderr": PATH,
"timeout": SECONDS}, out {"code": N}.
"""

import json
import os
import select
import signal
import sys

if os.environ.get("LC_CTYPE", "") == "UTF-8":  # as /usr/bin/aws does
    os.environ["LC_CTYPE"] = "en_US.UTF-8"
_given_data_path = os.environ.pop("AWS_DATA_PATH", None)
from awscli.clidriver import AWSCLIEntryPoint  # noqa: E402  (the import this process exists for)

# Two more things every command does before its own work, done here once for all of them (a child
# then spends ~0.21 CPU-s where it spent ~0.30 and started an lsb_release process): importing the
# CLI's built-in plugins, which each new driver loads (awscli.plugin.BUILTIN_PLUGINS), and naming
# the machine's distribution for the User-Agent, which the distro module does by running
# lsb_release in a subprocess and keeps in the module for the process
# (clidriver._get_linux_distribution). The children inherit both.
import awscli.handlers  # noqa: E402,F401
import distro  # noqa: E402

distro.id()
distro.major_version()

# Importing awscli appends its own data folder to AWS_DATA_PATH in the environment (the CLI's
# models are found through it); a child does the same to the environment it is given.
_awscli_data_path = os.environ["AWS_DATA_PATH"]


def awscli_environment(env):
    paths = [os.path.expanduser(os.path.expandvars(p)) for p in env["AWS_DATA_PATH"].split(os.pathsep)] \
        if "AWS_DATA_PATH" in env else []
    return {**env, "AWS_DATA_PATH": os.pathsep.join([*paths, _awscli_data_path])}


def run_child(request):
    os.environ.clear()
    os.environ.update(awscli_environment(request["env"]))
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, fd)
        os.close(out)
    code = 255
    try:
        code = AWSCLIEntryPoint().main(request["argv"])
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code if isinstance(code, int) else 0)


def wait(pid, timeout):
    exited = os.pidfd_open(pid)
    try:
        if not select.select([exited], [], [], timeout)[0]:
            os.kill(pid, signal.SIGKILL)
    finally:
        os.close(exited)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def main():
    requests, replies = sys.stdin, sys.stdout
    for line in requests:
        request = json.loads(line)
        replies.flush()
        pid = os.fork()
        if pid == 0:
            run_child(request)
        replies.write(json.dumps({"code": wait(pid, float(request["timeout"]))}) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
